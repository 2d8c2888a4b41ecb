import type { Command } from 'commander';
import { InterruptedError, type Profile } from '../../common/index.ts';
import { formatSummary, loadSuite, type SuiteResult } from '../../scenarios/index.ts';
import { renderWarningsText, verdictWarnings } from '../../reports/index.ts';
import type { CliContext } from '../context.ts';
import { exitCodeFor } from '../exit-codes.ts';
import { runWithK6 } from './k6.ts';
import {
  FlagInvalidError,
  instancesFlag,
  lbFlag,
  outFlag,
  profileFlag,
  scaleOutFlags,
  stackLogFlag,
  stackLogging,
  targetFlag,
} from '../flags.ts';
import { asSemantics, thresholdSemanticsOption } from './threshold-semantics.ts';

interface RunFlags {
  target?: URL;
  profile: Profile;
  verbose?: boolean;
  out: string;
  engine: string;
  lb?: string;
  instances?: string;
  thresholdSemantics?: string;
}

/** A module-level loader: TypeScript does not rewrite the `.ts` of an import() inside a function holding an `await using`. */
const sessionDoor = () => import('../../session/index.ts');

export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description(
      'Run load suites (smoke, load, stress, spike, soak, concurrency-10k, rate-limit) and write the run record.',
    )
    .argument('<suite...>', 'suite names (scenarios/suites/*.yaml) or suite file paths')
    .addOption(targetFlag())
    .addOption(profileFlag())
    .addOption(outFlag('reports/out'))
    .option('--engine <e>', 'rampart (built in) or k6 (needs the k6 binary on PATH)', 'rampart')
    .addOption(lbFlag())
    .addOption(instancesFlag())
    .addOption(stackLogFlag())
    .addOption(thresholdSemanticsOption())
    .addHelpText(
      'after',
      `
Examples:
  rampart run smoke load --profile quick            # starts PostgreSQL, Redis and the target, seeded
  rampart run stress --target http://127.0.0.1:3000 --out out/stress
  rampart run load --engine k6 --target http://127.0.0.1:3000
  rampart run smoke --lb nginx --instances 2              # the managed stack scaled out behind nginx

Exit codes: 0 all thresholds met, 1 a threshold failed or is inconclusive (no data, invalid measurement, too few requests to show it at 95 %), 2 bad input, 3 environment (target unreachable, k6 missing).`,
    )
    .action(async (names: string[], flags: RunFlags) => {
      if (flags.engine !== 'rampart' && flags.engine !== 'k6')
        throw new FlagInvalidError(`--engine must be rampart or k6, got "${flags.engine}"`);
      const scaleOut = await scaleOutFlags(flags);
      const { profile } = flags;
      // Every suite is validated before anything starts: a bad file costs nothing.
      const suites = names.map((n) => loadSuite(n, profile, { env: ctx.vars }));
      if (flags.engine === 'k6') {
        ctx.exitCode = await runWithK6(suites, flags.target, flags.out, ctx);
        return;
      }
      const { runSession } = await sessionDoor();
      const { stackLog, ...logFile } = stackLogging(flags, flags.out, ctx);
      let failed = false;
      const printSummaries = (r: SuiteResult) => {
        for (const res of r.results)
          ctx.stdout.write(formatSummary(res.summary, res.thresholds, res.failedChecks, res.warnings));
        for (const n of r.part.notes ?? []) if (/knee|recovered|recover|drift/.test(n)) ctx.stdout.write(`  ${n}\n`);
        failed ||= r.failed;
      };
      const { record, errors, written } = await runSession(
        {
          command: `run ${names.join(' ')}`,
          profile,
          target: flags.target ?? null,
          suites,
          drills: [],
          scan: null,
          stack: { ...scaleOut, ...logFile },
          thresholdSemantics: asSemantics(flags.thresholdSemantics),
        },
        {
          env: ctx.env,
          signal: ctx.signal,
          log: (l) => ctx.stderr.write(`rampart: ${l}\n`),
          progress: ctx.stderr,
          onSuite: printSummaries,
          stackLog,
        },
        // Judged by the thresholds the run carried (stored with it, so `rampart report` re-judges the same way).
        { outDir: flags.out, formats: [] },
      );
      ctx.stderr.write(`rampart: run record written to ${written.record}\n`);
      ctx.stdout.write(renderWarningsText(verdictWarnings(record)));
      if (errors.length > 0 && !ctx.signal.aborted) throw errors[0];
      if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new InterruptedError();
      const unsure = record.verdicts.filter((v) => v.outcome === 'inconclusive');
      const verdict = failed ? 'fail' : record.verdict;
      if (verdict === 'fail') ctx.stderr.write('rampart: thresholds failed (exit 1)\n');
      else if (verdict !== 'pass')
        ctx.stderr.write(
          `rampart: INCONCLUSIVE (exit 1): ${unsure.map((v) => `${v.objective}: ${v.reason ?? 'no thresholds'}`).join('; ') || 'no thresholds to judge'}\n`,
        );
      ctx.exitCode = exitCodeFor({ verdict });
    });
}
