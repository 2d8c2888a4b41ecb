import type { Command } from 'commander';
import { parseFormats, readRunRecord, reportFormatDefinitions, reportFormats } from '../../reports/index.ts';
import { judgeAndWrite } from '../../session/index.ts';
import type { CliContext } from '../context.ts';
import { exitCodeFor } from '../exit-codes.ts';
import { parseRegression, printJudgement, resolveSpec } from '../gate/judge.ts';

import path from 'node:path';
import { FlagInvalidError, forFlag } from '../flags.ts';

export function registerReport(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description(
      `Re-render a run record: evaluate it against the SLO spec and write ${reportFormatDefinitions
        .map((d) => d.title)
        .join(', ')
        .replace(/, ([^,]*)$/, ' and $1')}.`,
    )
    .argument('<run.json>', 'a run record written by gate, run, drill or scan')
    .option('--format <list>', `comma-separated: ${reportFormats.join(',')}`, reportFormats.join(','))
    .option('--baseline <run.json>', 'compare with an earlier run; marks regressions (p95 up > 10 %)')
    .option(
      '--fail-on-regression <pct[,ms]>',
      'with --baseline: exit 1 when a p95 or an objective got more than PCT % worse, a latency also by at least N ms (default 5): 10%,5ms',
    )
    .option('--out <dir>', 'where to write the reports (default: beside run.json)')
    .option(
      '--slo <file>',
      'SLO spec (slo.yaml, OpenSLO or .ts); default: the spec stored in the record, else the thresholds/drills/scan the run carried',
    )
    .addHelpText(
      'after',
      `
Exit code: 0 every objective passes, 1 an objective failed or is INCONCLUSIVE (not enough evidence, no data,
invalid measurement) or --fail-on-regression tripped, 2 bad input.

Examples:
  $ rampart report reports/out/2026-11-24T20-51-03Z/run.json
  $ rampart report run.json --format md,junit --baseline last-release/run.json --out ci-reports
  $ rampart report run.json --slo slo.yaml --format html
  $ rampart report run.json --baseline last-release/run.json --fail-on-regression 10%,5ms`,
    )
    .action(
      async (
        file: string,
        opts: { format: string; baseline?: string; out?: string; slo?: string; failOnRegression?: string },
      ) => {
        const formats = forFlag('--format', () => parseFormats(opts.format));
        const regression = parseRegression(opts.failOnRegression);
        if (regression !== undefined && !opts.baseline)
          throw new FlagInvalidError('--fail-on-regression needs --baseline', {
            hint: 'add --baseline last-release/run.json',
          });
        const record = await readRunRecord(file);
        const spec = await resolveSpec(opts.slo, record);
        const outDir = opts.out ?? path.dirname(path.resolve(file));
        const judged = await judgeAndWrite(record, {
          spec: () => spec,
          baselineFile: opts.baseline,
          outDir,
          formats,
          writeRecord: false,
          failOnRegressionPct: regression?.pct,
          failOnRegressionMinMs: regression?.minMs,
        });
        printJudgement(judged, ctx.stdout, regression);
        ctx.exitCode = exitCodeFor({ verdict: judged.record.verdict });
      },
    );
}
