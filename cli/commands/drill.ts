import path from 'node:path';
import type { Command } from 'commander';
import { InterruptedError, TargetUnreachableError } from '../../common/index.ts';
import type { DrillProfile } from '../../chaos/index.ts';
import { sloSpecSchema, type SloSpec } from '../../reports/index.ts';
import { FlagInvalidError, urlFlag } from '../flags.ts';
import type { CliContext } from '../context.ts';

interface DrillFlags {
  target?: string;
  toxiproxy?: string;
  databaseUrl?: string;
  postgresProxy: string;
  redisProxy: string;
  profile: string;
  out: string;
  list?: boolean;
  verbose?: boolean;
}

/** Any HTTP answer will do; no answer at all is an environment problem (exit 3), not a failed drill. */
async function assertReachable(url: string): Promise<void> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
  } catch (err) {
    throw new TargetUnreachableError(url, { cause: err });
  }
}

/**
 * The record is judged by its own objectives: each drill that ran must pass
 * (reports' drill-passed: the window checks recomputed from the samples, the
 * recorded probes, recovery and reconciliation). The spec is stored in the
 * record, so `rampart report run.json` judges it the same way.
 */
function drillSpec(names: readonly string[]): SloSpec {
  return sloSpecSchema.parse({ service: 'drill', objectives: names.map((n) => ({ name: `drill ${n}`, kind: 'drill-passed', drill: n })) });
}

const label = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' } as const;

/** `rampart drill`: failure drills with load, fault injection, rollback, recovery time and write reconciliation. */
export function registerDrill(program: Command, ctx: CliContext): void {
  program
    .command('drill')
    .description('Run failure drills: verify steady state, inject a fault under load, roll back, measure recovery, reconcile writes')
    .argument('[name]', 'drill to run, or "all" (`rampart drill --list` names and describes them)')
    .option('--target <url>', 'a target someone else deployed (default: start the managed stack)')
    .option('--toxiproxy <url>', 'Toxiproxy API on that target\'s dependency paths (default $TOXIPROXY_URL)')
    .option('--database-url <url>', 'PostgreSQL of that target, to reconcile acknowledged writes (default $DATABASE_URL)')
    .option('--postgres-proxy <name>', 'name of the PostgreSQL proxy in that Toxiproxy', 'postgres')
    .option('--redis-proxy <name>', 'name of the Redis proxy in that Toxiproxy', 'redis')
    .option('--profile <name>', 'quick (CI, ~40 s per drill) or full (minutes per drill)', 'quick')
    .option('--out <dir>', 'directory for run.json and reports', 'reports/out/drill')
    .option('--list', 'list the drills and exit')
    .option('--verbose', 'stream the managed stack\'s logs here instead of <out>/components.log')
    .addHelpText('after', `
Examples:
  $ rampart drill pg-down                          # managed stack, quick profile
  $ rampart drill all --profile full --out reports/out/drills
  $ rampart drill redis-down --target http://localhost:8080 --toxiproxy http://localhost:8474
`)
    .action(async (name: string | undefined, opts: DrillFlags) => {
      // The drills (load, faults, reconciliation) load when the command runs, not at every start of the CLI.
      const { drills, listDrills, UnknownDrillError } = await import('../../chaos/index.ts');
      if (opts.list || !name) {
        for (const d of listDrills()) ctx.stdout.write(`${d.name.padEnd(18)} ${d.description}\n`);
        if (!name && !opts.list) throw new FlagInvalidError('name a drill to run, or "all"', { hint: 'rampart drill --list shows them' });
        return;
      }
      if (opts.profile !== 'quick' && opts.profile !== 'full') throw new FlagInvalidError(`--profile must be quick or full, got "${opts.profile}"`);
      const profile = opts.profile as DrillProfile;
      const names = name === 'all' ? drills.map((d) => d.name) : [name];
      for (const n of names) if (!drills.some((d) => d.name === n)) throw new UnknownDrillError(n);
      const target = urlFlag('--target', opts.target, ['http:', 'https:'], 'http://127.0.0.1:3000');
      const toxiproxyUrl = urlFlag('--toxiproxy', opts.toxiproxy ?? ctx.env.toxiproxyUrl, ['http:', 'https:'], 'http://127.0.0.1:8474');
      const databaseUrl = urlFlag('--database-url', opts.databaseUrl ?? (target ? ctx.env.databaseUrl : undefined), ['postgres:', 'postgresql:'], 'postgres://user:pass@127.0.0.1:5432/app');
      if (!target && opts.toxiproxy) throw new FlagInvalidError('--toxiproxy needs --target (the managed stack brings its own fault proxy)');

      if (target) await assertReachable(target);
      const progress = (line: string) => ctx.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
      const componentLogFile = target || opts.verbose ? undefined : path.join(opts.out, 'components.log');
      if (componentLogFile) progress(`component logs (PostgreSQL, Redis, proxy, target): ${componentLogFile}; --verbose streams them`);
      const { runSession } = await import('../../session/index.ts');
      const { record, errors } = await runSession(
        {
          command: `drill ${name}`, profile, target: target ?? null, suites: [], drills: names, scan: null,
          drillOptions: { toxiproxyUrl, databaseUrl, proxyNames: { postgres: opts.postgresProxy, redis: opts.redisProxy } },
          ...(componentLogFile ? { stack: { componentLogFile } } : {}),
        },
        { env: ctx.env, signal: ctx.signal, log: progress, partLog: progress, progress: ctx.stderr, stackLog: (l) => ctx.stderr.write(`stack: ${l}\n`) },
        { outDir: opts.out, spec: () => drillSpec(names), formats: ['html', 'junit', 'md'] },
      );
      ctx.stdout.write(`\n`);
      for (const d of record.drills) {
        const outcome = d.outcome ?? (d.passed ? 'pass' : 'fail');
        ctx.stdout.write(`${label[outcome]} ${d.name}${d.aborted ? ` (${d.aborted})` : ''}${d.recoverySeconds !== null ? `, recovered in ${d.recoverySeconds} s` : ''}\n`);
        for (const c of d.checks) {
          const o = c.outcome ?? (c.ok ? 'pass' : 'fail');
          ctx.stdout.write(`  ${o === 'pass' ? 'ok  ' : o === 'fail' ? 'FAIL' : 'INCONCLUSIVE'} ${c.name}: ${c.detail}\n`);
        }
        for (const s of d.skipped) ctx.stdout.write(`  skipped: ${s}\n`);
        if (outcome === 'inconclusive' && d.reason) ctx.stdout.write(`  inconclusive: ${d.reason}\n`);
      }
      for (const note of record.notes) ctx.stdout.write(`note: ${note}\n`);
      ctx.stdout.write(`verdict: ${label[record.verdict ?? 'inconclusive']}\n`);
      ctx.stdout.write(`run record: ${path.join(opts.out, 'run.json')}\n`);
      // Interrupted (faults rolled back, what was measured written): no verdict, exit 105 as every command.
      if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new InterruptedError();
      if (errors.length > 0) throw errors[0];
      // Only a conclusive PASS of every drill asked for exits 0: a failed or inconclusive drill (a fault not injected, too few requests) exits 1.
      if (record.verdict !== 'pass' || record.drills.length < names.length) ctx.exitCode = 1;
    });
}
