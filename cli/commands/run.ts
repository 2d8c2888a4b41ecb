import path from 'node:path';
import type { Command } from 'commander';
import { appendPart, createRunRecord, evaluate, ownSpec, withVerdicts, writeRunRecord, type RunRecord } from '../../reports/index.ts';
import { formatSummary, loadSuite, parseTargetUrl, profiles, runSuiteDetailed, type Profile, type Suite } from '../../scenarios/index.ts';
import type { CliContext } from '../context.ts';
import { runWithK6 } from './k6.ts';
import { FlagInvalidError } from '../flags.ts';

interface RunFlags {
  target?: string;
  profile: string;
  out: string;
  engine: string;
}

/** Suites that need the same managed-stack settings share one stack. */
function groupByStack(suites: Suite[]): Suite[][] {
  const groups: Suite[][] = [];
  for (const s of suites) {
    const last = groups[groups.length - 1];
    const key = JSON.stringify(s.stack.targetEnv);
    if (last && JSON.stringify((last[0] as Suite).stack.targetEnv) === key) last.push(s);
    else groups.push([s]);
  }
  return groups;
}

async function runGroup(group: Suite[], target: string, profile: Profile, record: RunRecord, ctx: CliContext): Promise<boolean> {
  let failed = false;
  for (const suite of group) {
    if (ctx.signal.aborted) break;
    ctx.stderr.write(`rampart: suite ${suite.name} (${profile}) against ${target}\n`);
    const r = await runSuiteDetailed(suite, { target, profile, signal: ctx.signal, progress: ctx.stderr });
    appendPart(record, r.part);
    for (const res of r.results) ctx.stdout.write(formatSummary(res.summary, res.thresholds, res.failedChecks, res.warnings));
    for (const n of r.part.notes ?? []) if (/knee|recovered|recover|drift/.test(n)) ctx.stdout.write(`  ${n}\n`);
    failed ||= r.failed;
  }
  return failed;
}

/** A module-level loader: TypeScript does not rewrite the `.ts` of an import() inside a function holding an `await using`. */
const loadStack = () => import('../../stack/index.ts');

export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('Run load suites (smoke, load, stress, spike, soak, concurrency-10k, rate-limit) and write the run record.')
    .argument('<suite...>', 'suite names (scenarios/suites/*.yaml) or suite file paths')
    .option('--target <url>', 'run against this server instead of starting the managed stack')
    .option('--profile <p>', 'quick (CI, minutes) or full (the real thing)', 'quick')
    .option('--out <dir>', 'where run.json goes', 'reports/out')
    .option('--engine <e>', 'rampart (built in) or k6 (needs the k6 binary on PATH)', 'rampart')
    .addHelpText('after', `
Examples:
  rampart run smoke load --profile quick            # starts PostgreSQL, Redis and the target, seeded
  rampart run stress --target http://127.0.0.1:3000 --out out/stress
  rampart run load --engine k6 --target http://127.0.0.1:3000

Exit codes: 0 all thresholds met, 1 a threshold failed or is inconclusive (no data, invalid measurement), 2 bad input, 3 environment (target unreachable, k6 missing).`)
    .action(async (names: string[], flags: RunFlags) => {
      if (!(profiles as readonly string[]).includes(flags.profile)) throw new FlagInvalidError(`--profile must be quick or full, got "${flags.profile}"`);
      if (flags.engine !== 'rampart' && flags.engine !== 'k6') throw new FlagInvalidError(`--engine must be rampart or k6, got "${flags.engine}"`);
      if (flags.target !== undefined) parseTargetUrl(flags.target, '--target');
      const profile = flags.profile as Profile;
      // Every suite is validated before anything starts: a bad file costs nothing.
      const suites = names.map((n) => loadSuite(n, profile, { env: ctx.vars }));
      if (flags.engine === 'k6') {
        ctx.exitCode = await runWithK6(suites, flags.target, flags.out, ctx);
        return;
      }
      const record = createRunRecord({ command: `run ${names.join(' ')}`, profile, target: flags.target ?? null });
      let failed = false;
      try {
        if (flags.target) {
          failed = await runGroup(suites, flags.target, profile, record, ctx);
        } else {
          for (const group of groupByStack(suites)) {
            if (ctx.signal.aborted) break;
            const targetEnv = (group[0] as Suite).stack.targetEnv;
            ctx.stderr.write(`rampart: starting the managed stack (seeded)${Object.keys(targetEnv).length ? ` with ${Object.entries(targetEnv).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}\n`);
            // Loaded when a managed stack is needed, not for every start of the CLI.
            const { startStack } = await loadStack();
            await using stack = await startStack({
              env: ctx.env, seed: { users: 200, posts: 1000 }, targetEnv, signal: ctx.signal,
              log: (l) => void (ctx.env.logLevel === 'debug' ? ctx.stderr.write(`${l}\n`) : undefined),
            });
            record.meta.target ??= stack.targetUrl;
            failed = (await runGroup(group, stack.targetUrl, profile, record, ctx)) || failed;
          }
        }
      } finally {
        record.meta.endedAt = Date.now();
        // The run is judged by the thresholds it carried (stored with it, so `rampart report` re-judges the same way).
        const spec = ownSpec(record);
        const judged = spec ? withVerdicts(record, spec, evaluate(record, spec)) : record;
        Object.assign(record, { slo: judged.slo, verdicts: judged.verdicts, verdict: judged.verdict });
        const file = path.join(flags.out, 'run.json');
        await writeRunRecord(file, record);
        ctx.stderr.write(`rampart: run record written to ${file}\n`);
      }
      const unsure = record.verdicts.filter((v) => v.outcome === 'inconclusive');
      if (failed || record.verdict === 'fail') {
        ctx.stderr.write('rampart: thresholds failed (exit 1)\n');
        ctx.exitCode = 1;
      } else if (record.verdict !== 'pass') {
        ctx.stderr.write(`rampart: INCONCLUSIVE (exit 1): ${unsure.map((v) => `${v.objective}: ${v.reason ?? 'no thresholds'}`).join('; ') || 'no thresholds to judge'}\n`);
        ctx.exitCode = 1;
      }
    });
}
