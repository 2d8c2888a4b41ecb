import path from 'node:path';
import type { Command } from 'commander';
import { assertReachable, InterruptedError, type Profile } from '../../common/index.ts';
import { sloSpecSchema, type SloSpec } from '../../reports/index.ts';
import { FlagInvalidError, outFlag, profileFlag, stackLogFlag, stackLogging, targetFlag, urlFlag } from '../flags.ts';
import type { CliContext } from '../context.ts';
import { exitCodeFor } from '../exit-codes.ts';

interface DrillFlags {
  target?: URL;
  toxiproxy?: string;
  databaseUrl?: string;
  proxyName?: string[];
  postgresProxy?: string;
  redisProxy?: string;
  profile: Profile;
  out: string;
  list?: boolean;
  verbose?: boolean;
}

/** --proxy-name FROM=TO (repeatable), with --postgres-proxy and --redis-proxy as its older spellings. */
function proxyNames(opts: DrillFlags): Record<string, string> {
  const names: Record<string, string> = {};
  for (const pair of opts.proxyName ?? []) {
    const m = /^([^=\s]+)=([^=\s]+)$/.exec(pair);
    if (!m)
      throw new FlagInvalidError(`--proxy-name must be NAME_IN_FILE=NAME_ON_TOXIPROXY, got "${pair}"`, {
        hint: 'e.g. --proxy-name postgres=pg-primary',
      });
    names[m[1] as string] = m[2] as string;
  }
  if (opts.postgresProxy) names.postgres = opts.postgresProxy;
  if (opts.redisProxy) names.redis = opts.redisProxy;
  return names;
}

/**
 * The record is judged by its own objectives: each drill that ran must pass
 * (reports' drill-passed: the window checks recomputed from the samples, the
 * recorded probes, recovery and reconciliation). The spec is stored in the
 * record, so `rampart report run.json` judges it the same way.
 */
function drillSpec(names: readonly string[]): SloSpec {
  return sloSpecSchema.parse({
    service: 'drill',
    objectives: names.map((n) => ({ name: `drill ${n}`, kind: 'drill-passed', drill: n })),
  });
}

const label = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' } as const;

/** `rampart drill`: failure drills with load, fault injection, rollback, recovery time and write reconciliation. */
export function registerDrill(program: Command, ctx: CliContext): void {
  program
    .command('drill')
    .description(
      'Run failure drills: verify steady state, inject a fault under load, roll back, measure recovery, reconcile writes',
    )
    .argument(
      '[drills...]',
      'drill files (my-drill.yaml), bundled drill names, or "all" (`rampart drill --list` names the bundled ones)',
    )
    .addOption(targetFlag())
    .option('--toxiproxy <url>', "Toxiproxy API in front of that target's dependencies (default $TOXIPROXY_URL)")
    .option(
      '--database-url <url>',
      'PostgreSQL of that target, for drills that reconcile writes with sql (default $DATABASE_URL)',
    )
    .option(
      '--proxy-name <from=to>',
      'a proxy the drill file names, called otherwise on that Toxiproxy (repeatable)',
      (v: string, all: string[] | undefined) => [...(all ?? []), v],
    )
    .option('--postgres-proxy <name>', 'same as --proxy-name postgres=NAME')
    .option('--redis-proxy <name>', 'same as --proxy-name redis=NAME')
    .addOption(profileFlag())
    .addOption(outFlag('reports/out/drill'))
    .option('--list', 'list the bundled drills and exit')
    .addOption(stackLogFlag())
    .addHelpText(
      'after',
      `
Examples:
  $ rampart drill catalog-down.yaml --target http://127.0.0.1:8080 --toxiproxy http://127.0.0.1:8474
  $ rampart drill pg-down                          # a bundled drill on the managed stack, quick profile
  $ rampart drill all --profile full --out reports/out/drills
  $ rampart drill redis-down --target http://localhost:8080 --toxiproxy http://localhost:8474 --database-url postgres://…
`,
    )
    .action(async (args: string[], opts: DrillFlags) => {
      // The drills (load, faults, reconciliation) load when the command runs, not at every start of the CLI.
      const { describeBundledDrills, listBundledDrills, loadDrill, preflightDrill } =
        await import('../../chaos/index.ts');
      if (opts.list || args.length === 0) {
        for (const d of describeBundledDrills()) ctx.stdout.write(`${d.name.padEnd(18)} ${d.description}\n`);
        if (args.length === 0 && !opts.list)
          throw new FlagInvalidError('name a drill file or a bundled drill to run, or "all"', {
            hint: 'rampart drill --list shows the bundled ones; docs/chaos.md shows how to write one',
          });
        return;
      }
      const { profile, target } = opts;
      const toxiproxyUrl = urlFlag(
        '--toxiproxy',
        opts.toxiproxy ?? ctx.env.toxiproxyUrl,
        ['http:', 'https:'],
        'http://127.0.0.1:8474',
      );
      const databaseUrl = urlFlag(
        '--database-url',
        opts.databaseUrl ?? (target ? ctx.env.databaseUrl : undefined),
        ['postgres:', 'postgresql:'],
        'postgres://user:pass@127.0.0.1:5432/app',
      );
      if (!target && opts.toxiproxy)
        throw new FlagInvalidError('--toxiproxy needs --target (the managed stack brings its own fault proxy)');
      const names = args.length === 1 && args[0] === 'all' ? listBundledDrills() : args;
      // Every file is read and validated before anything starts: a bad one exits 2 with nothing sent.
      const drills = names.map((n) => loadDrill(n, profile, { env: ctx.vars }));
      const drillOptions = {
        ...(toxiproxyUrl ? { toxiproxyUrl } : {}),
        ...(databaseUrl ? { databaseUrl } : {}),
        proxyNames: proxyNames(opts),
      };
      if (target) {
        await assertReachable(target);
        // Where every fault goes (the proxy exists, the toxic is accepted) and the database, before any load is sent.
        for (const d of drills) await preflightDrill(d, { ...drillOptions, target, signal: ctx.signal });
      }
      const progress = (line: string) => ctx.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
      const { stackLog, componentLogFile } = stackLogging(opts, opts.out, ctx);
      if (componentLogFile)
        progress(`component logs (PostgreSQL, Redis, proxy, target): ${componentLogFile}; --verbose streams them`);
      const { runSession } = await import('../../session/index.ts');
      const drillNames = drills.map((d) => d.name);
      const { record, errors } = await runSession(
        {
          command: `drill ${args.join(' ')}`,
          profile,
          target: target ?? null,
          suites: [],
          drills,
          scan: null,
          drillOptions,
          ...(componentLogFile ? { stack: { componentLogFile } } : {}),
        },
        { env: ctx.env, signal: ctx.signal, log: progress, partLog: progress, progress: ctx.stderr, stackLog },
        { outDir: opts.out, spec: () => drillSpec(drillNames), formats: ['html', 'junit', 'md'] },
      );
      ctx.stdout.write(`\n`);
      for (const d of record.drills) {
        const outcome = d.outcome ?? (d.passed ? 'pass' : 'fail');
        ctx.stdout.write(
          `${label[outcome]} ${d.name}${d.aborted ? ` (${d.aborted})` : ''}${d.recoverySeconds !== null ? `, recovered in ${d.recoverySeconds} s` : ''}\n`,
        );
        for (const c of d.checks) {
          const o = c.outcome ?? (c.ok ? 'pass' : 'fail');
          ctx.stdout.write(
            `  ${o === 'pass' ? 'ok  ' : o === 'fail' ? 'FAIL' : 'INCONCLUSIVE'} ${c.name}: ${c.detail}\n`,
          );
        }
        const missing = d.reconciliation?.missing ?? [];
        for (const m of missing.slice(0, 20))
          ctx.stdout.write(
            `  lost: ${m.writes} id ${m.id}, acknowledged at ${new Date(m.at).toISOString()}: ${m.detail}\n`,
          );
        if (missing.length > 20)
          ctx.stdout.write(`  lost: … and ${missing.length - 20} more (drills[].reconciliation.missing in run.json)\n`);
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
      ctx.exitCode = exitCodeFor({ verdict: record.drills.length < drills.length ? 'inconclusive' : record.verdict });
    });
}
