import { spawn, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { baseUrlText, EnvironmentError, type Profile } from '../../common/index.ts';
import {
  envAsPlaceholders,
  exportK6,
  formatK6Thresholds,
  formatSummary,
  importK6Results,
  k6Thresholds,
  loadSuite,
  type Suite,
  type ThresholdItem,
} from '../../scenarios/index.ts';
import {
  appendPart,
  createRunRecord,
  loadSloSpec,
  ownSpec,
  parseFormats,
  reportFormats,
  sloSpecSchema,
  specToInput,
  type RunRecord,
  type SloSpec,
} from '../../reports/index.ts';
import { judgeAndWrite } from '../../session/index.ts';
import type { CliContext } from '../context.ts';
import { ExitCode, exitCodeFor } from '../exit-codes.ts';
import { FlagInvalidError, forFlag, outFlag, profileFlag } from '../flags.ts';
import { splitThresholdFlag } from './load.ts';

export class K6MissingError extends EnvironmentError<'RAMPART_K6_MISSING'> {
  constructor() {
    super('RAMPART_K6_MISSING', 'k6 is not on PATH, so --engine k6 cannot run', {
      hint: 'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/), or use `rampart k6 export <suite>` and run the script elsewhere, or drop --engine k6',
    });
  }
}

function k6OnPath(): boolean {
  const r = spawnSync('k6', ['version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/**
 * k6's exit codes (errext/exitcodes) in rampart's terms: thresholds failed, a test marked failed or aborted
 * by the script → 1 (breached); invalid options or a script exception → 2 (bad input); interrupted → 105;
 * setup/teardown timeouts, cloud and start-up failures → 3 (environment).
 */
export function exitCodeForK6(code: number): number {
  switch (code) {
    case 0:
      return ExitCode.ok;
    case 99:
    case 108:
    case 110:
      return ExitCode.breached;
    case 104:
    case 107:
      return ExitCode.badInput;
    case 103:
    case 105:
      return ExitCode.interrupted;
    default:
      return ExitCode.environment;
  }
}

/** `rampart run --engine k6`: export each suite and hand it to the k6 binary; its exit code mapped by exitCodeForK6. */
export async function runWithK6(
  suites: Suite[],
  target: URL | undefined,
  outDir: string,
  ctx: CliContext,
): Promise<number> {
  if (!k6OnPath()) throw new K6MissingError();
  if (!target)
    throw new FlagInvalidError('--engine k6 needs --target URL', {
      hint: 'start the stack with `rampart stack up` and pass its URL',
    });
  let code = 0;
  for (const suite of suites) {
    const file = path.join(outDir, `${suite.name}.k6.ts`);
    await mkdir(outDir, { recursive: true });
    const { script, notExported } = exportK6(suite);
    await writeFile(file, script);
    for (const n of notExported) ctx.stderr.write(`rampart: k6 script ${file}: not as in rampart: ${n}\n`);
    const child = spawn('k6', ['run', '-e', `BASE_URL=${baseUrlText(target)}`, file], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const onAbort = () => child.kill('SIGINT');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const exit = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 3)));
    ctx.signal.removeEventListener('abort', onAbort);
    code = Math.max(code, exitCodeForK6(exit));
  }
  return code;
}

/** The suite with its {{env.NAME}} kept for __ENV; where one stands in a number or a choice the schema checks, its value is written in and said. */
function suiteForExport(name: string, profile: Profile, ctx: CliContext): { suite: Suite; baked: boolean } {
  try {
    return { suite: loadSuite(name, profile, { env: envAsPlaceholders }), baked: false };
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'RAMPART_SCENARIO_INVALID') throw err;
    return { suite: loadSuite(name, profile, { env: ctx.vars }), baked: true };
  }
}

export function registerK6(program: Command, ctx: CliContext): void {
  const k6 = program
    .command('k6')
    .description(
      'k6 interoperability: export suites as k6 scripts, import k6 results (distributed load, one verdict).',
    );
  k6.command('export')
    .description('Write a suite as a k6 script typed with @types/k6 (executors, stages, thresholds, checks, flows).')
    .argument('<suite>', 'suite name or file')
    .addOption(profileFlag('full'))
    .option('--out <file>', 'output file (default: stdout)')
    .addHelpText(
      'after',
      `
Examples:
  rampart k6 export load --out load.k6.ts && k6 run -e BASE_URL=http://127.0.0.1:3000 load.k6.ts
  rampart k6 export stress --profile quick > stress.k6.ts`,
    )
    .action(async (name: string, flags: { profile: Profile; out?: string }) => {
      const { suite, baked } = suiteForExport(name, flags.profile, ctx);
      const extra = baked
        ? [
            '{{env.NAME}} placeholders stand in numbers or settings the suite checks on loading: their values are written into this script',
          ]
        : [];
      const { script, notExported, env } = exportK6(suite, { notes: extra });
      for (const n of notExported) ctx.stderr.write(`rampart: not as in rampart: ${n}\n`);
      if (env.length > 0)
        ctx.stderr.write(
          `rampart: the script reads ${env.map((e) => `__ENV.${e}`).join(', ')}: run it with ${env.map((e) => `-e ${e}=…`).join(' ')}\n`,
        );
      if (!flags.out) {
        ctx.stdout.write(script);
        return;
      }
      await mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
      await writeFile(flags.out, script);
      ctx.stderr.write(`rampart: wrote ${flags.out}\n`);
    });
  registerK6Import(k6, ctx);
}

interface ImportFlags {
  suite?: string;
  profile: Profile;
  threshold: string[];
  strict?: boolean;
  slo?: string;
  out: string;
  format?: string;
}

/** The objectives the import is judged by: its thresholds (one objective, test-wide as in k6), then the --slo file's. */
function importSpec(record: RunRecord, slo: SloSpec | undefined): SloSpec | null {
  const own = ownSpec(record);
  if (!slo) return own;
  const input = specToInput(slo);
  return sloSpecSchema.parse({
    ...input,
    objectives: [...(own ? specToInput(own).objectives : []), ...input.objectives],
  });
}

/** `rampart k6 import`: k6 JSON results of one or more runners → one run record, thresholds judged as k6 judges them over the whole. */
export function registerK6Import(k6: Command, ctx: CliContext): void {
  k6.command('import')
    .description(
      'Merge k6 JSON results (`k6 run --out json=FILE`, one file per runner, e.g. k6-operator) into one run record and judge the thresholds as k6 does, over the whole test.',
    )
    .argument('<results...>', 'k6 JSON output files (.json or .gz), one per runner')
    .option(
      '--threshold <metric: expr>',
      "a threshold to judge besides those the files declare, k6 syntax, repeatable: 'http_req_duration{name:GET /x}: p(95)<200'",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--suite <name>',
      'the suite the k6 script was exported from: its thresholds are judged too, as the exported script declares them',
    )
    .addOption(profileFlag('full'))
    .option(
      '--strict',
      "also exit 1 when rampart's statistics find a threshold k6 passes inconclusive (too few points to show it at 95 % confidence, or no points)",
    )
    .option('--slo <file>', 'also judge an SLO spec (slo.yaml) over the merged run record')
    .addOption(outFlag('reports/out/k6-import'))
    .option('--format <list>', `also write reports: comma-separated ${reportFormats.join(',')}`)
    .addHelpText(
      'after',
      `
Thresholds come from the files' Metric lines (k6 writes each metric's thresholds there, not those of
sub-metrics such as http_req_duration{name:x}), from --threshold and from --suite. Each is judged as k6
judges it at the end of a test: k6's percentile (linear interpolation between ranks), every metric type
(Trend, Rate, Counter, Gauge, custom metrics), over the points of all runners and the whole test
(k6-operator's runners each judge only their own share). Beside each k6 verdict rampart gives its own
reading: confidence bounds, and INCONCLUSIVE where too few points were judged.

Exit code: 0 every threshold passes as k6 judges it (and every --slo objective passes), 1 one fails (with
--strict: or rampart finds one inconclusive; with --slo: or an objective is inconclusive), 2 bad input.

Examples:
  rampart k6 import runner-0.json runner-1.json runner-2.json --out out/k6 --format md,junit
  rampart k6 import results.json --threshold 'http_req_duration{name:GET /v1/feed}: p(95)<200'
  rampart k6 import results-*.json.gz --suite load --slo slo.yaml --format html,md`,
    )
    .action(async (files: string[], flags: ImportFlags) => {
      const formats = flags.format ? forFlag('--format', () => parseFormats(flags.format as string)) : [];
      const extra: Record<string, Array<string | ThresholdItem>> = {};
      const add = (key: string, items: Array<string | ThresholdItem>) => {
        extra[key] = [...(extra[key] ?? []), ...items];
      };
      if (flags.suite) {
        const suite = loadSuite(flags.suite, flags.profile, { env: ctx.vars });
        for (const [key, items] of Object.entries(k6Thresholds(suite))) add(key, items);
      }
      for (const t of flags.threshold) {
        const [key, expr] = splitThresholdFlag(t);
        add(key, [expr]);
      }
      const slo = flags.slo ? await loadSloSpec(flags.slo) : undefined;
      const r = await importK6Results(files, { thresholds: extra, ...(flags.strict ? { strict: true } : {}) });
      const source = `k6 import of ${r.runners.length} runner${r.runners.length === 1 ? '' : 's'}`;
      const imported = createRunRecord({
        command: `k6 import ${files.join(' ')}`,
        profile: flags.suite ? flags.profile : null,
        startedAt: r.startedAt,
        source,
      });
      imported.meta.endedAt = r.endedAt;
      appendPart(imported, r.part);
      for (const s of r.summaries) ctx.stdout.write(formatSummary(s, []));
      ctx.stdout.write(formatK6Thresholds(r.thresholds, r.runners.length));
      for (const w of r.warnings) ctx.stderr.write(`rampart: warning: ${w}\n`);
      const { record, written } = await judgeAndWrite(imported, {
        spec: (rec) => importSpec(rec, slo),
        outDir: flags.out,
        formats,
      });
      const file = written.record as string;
      ctx.stderr.write(
        `rampart: ${source}, ${r.summaries.reduce((a, s) => a + s.requests, 0)} requests merged; run record written to ${file}\n`,
      );
      const failed = r.thresholds.filter((t) => t.outcome === 'fail');
      if (record.verdict === 'fail') {
        const sloFailed = record.verdicts.filter((v) => v.outcome === 'fail' && v.kind !== 'threshold');
        ctx.stderr.write(
          `rampart: FAIL over the merged runners: ${[...failed.map((t) => `${t.metric}${t.filter !== undefined ? `{${t.filter}}` : ''} ${t.expression} (observed ${t.value ?? 'no data'})`), ...sloFailed.map((v) => `objective ${v.objective}`)].join('; ')}\n`,
        );
      } else if (record.verdict === 'inconclusive') {
        const unsure = record.verdicts.filter((v) => v.outcome === 'inconclusive').map((v) => v.objective);
        ctx.stderr.write(`rampart: INCONCLUSIVE over the merged runners (exit 1): ${unsure.join(', ')}\n`);
      }
      // No threshold and no --slo: nothing to judge, and k6 exits 0 for a test without thresholds too.
      ctx.exitCode = exitCodeFor({ verdict: record.verdict ?? 'pass' });
    });
}
