import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { baseUrlText, InterruptedError, type Profile } from '../../common/index.ts';
import { reportFormatDefinitions, reportFormats } from '../../reports/index.ts';
import type { CliContext } from '../context.ts';
import { exitCodeFor } from '../exit-codes.ts';
import { parseRegression, printJudgement } from '../gate/judge.ts';
import {
  FlagInvalidError,
  outFlag,
  profileFlag,
  instancesFlag,
  lbFlag,
  scaleOutFlags,
  stackLogFlag,
  stackLogging,
  targetFlag,
  urlFlag,
} from '../flags.ts';
import { asSemantics, thresholdSemanticsOption } from './threshold-semantics.ts';

interface GateFlags {
  target?: URL;
  profile: Profile;
  verbose?: boolean;
  out?: string;
  slo?: string;
  suites?: string;
  drills?: string[];
  toxiproxy?: string;
  databaseUrl?: string;
  scan: boolean;
  suppressions?: string;
  baseline?: string;
  failOnRegression?: string;
  stepSummary: boolean;
  lb?: string;
  instances?: string;
  thresholdSemantics?: string;
}

export function registerGate(program: Command, ctx: CliContext): void {
  program
    .command('gate')
    .description(
      'The release gate: smoke → load → rate-limit → drills → security scan against the managed stack (or --target), then the SLO verdict.',
    )
    .addOption(targetFlag())
    .addOption(profileFlag())
    .addOption(outFlag(undefined, 'reports/out/<timestamp>'))
    .option(
      '--slo <file>',
      'SLO spec (default: ./slo.yaml; without one, --target is judged by what the gate ran, the managed stack by the bundled slo.yaml)',
    )
    .option('--suites <list>', 'comma-separated suite names or suite files, or none (default smoke,load,rate-limit)')
    .option(
      '--drills <list...>',
      'drill names or drill files (comma- or space-separated, so a shell glob works), all, or none (default: 3 drills quick, all full)',
    )
    .option(
      '--toxiproxy <url>',
      "with --target: the Toxiproxy API in front of its dependencies, for the drills' toxiproxy faults (default $TOXIPROXY_URL)",
    )
    .option(
      '--database-url <url>',
      'with --target: its PostgreSQL, for drills that reconcile writes with sql (default $DATABASE_URL)',
    )
    .option('--no-scan', 'skip the security scan')
    .option('--suppressions <file>', 'security findings suppression file')
    .option('--baseline <run.json>', 'compare with an earlier run and mark regressions')
    .option(
      '--fail-on-regression <pct[,ms]>',
      'with --baseline: exit 1 when a p95 or an objective got more than PCT % worse, a latency also by at least N ms (default 5): 10%,5ms',
    )
    .option('--step-summary', 'also append summary.md to $GITHUB_STEP_SUMMARY', false)
    .addOption(lbFlag())
    .addOption(instancesFlag())
    .addOption(stackLogFlag())
    .addOption(thresholdSemanticsOption())
    .addHelpText(
      'after',
      `
Writes run.json, ${reportFormatDefinitions.map((d) => d.file).join(', ')}, prints the objective table.
Exit code: 0 every objective PASSes, 1 an objective FAILed or is INCONCLUSIVE (not enough evidence; the
report says what would make it conclusive), 2 bad input, 3 environment failure (the target stopped answering during the scan included).

Examples:
  $ rampart gate                                  # quick gate on the managed stack (npm start)
  $ rampart gate --profile full --out reports/out/release-1.4
  $ rampart gate --target http://127.0.0.1:8080 --suites my-suite.yaml --drills none --no-scan --slo my-slo.yaml
  $ rampart gate --target http://127.0.0.1:8080 --toxiproxy http://127.0.0.1:8474 --suites shop.yaml --drills drills/*.yaml --no-scan --slo my-slo.yaml`,
    )
    .action(async (flags: GateFlags) => {
      const { profile } = flags;
      const target = flags.target ?? null;
      const regression = parseRegression(flags.failOnRegression);
      const toxiproxyUrl = urlFlag(
        '--toxiproxy',
        flags.toxiproxy ?? ctx.env.toxiproxyUrl,
        ['http:', 'https:'],
        'http://127.0.0.1:8474',
      );
      const databaseUrl = urlFlag(
        '--database-url',
        flags.databaseUrl ?? (target ? ctx.env.databaseUrl : undefined),
        ['postgres:', 'postgresql:'],
        'postgres://user:pass@127.0.0.1:5432/app',
      );
      if (!target && flags.toxiproxy)
        throw new FlagInvalidError('--toxiproxy needs --target (the managed stack brings its own fault proxy)');
      const scaleOut = await scaleOutFlags(flags);
      if (regression !== undefined && !flags.baseline)
        throw new FlagInvalidError('--fail-on-regression needs --baseline', {
          hint: 'add --baseline last-release/run.json',
        });
      // The session (stack, drills, scan, judging) loads when the gate runs, not at every start of the CLI.
      const { runSession, timestampDir } = await import('../../session/index.ts');
      const { planGate } = await import('../gate/plan.ts');
      const plan = planGate({
        profile,
        scan: flags.scan,
        env: ctx.vars,
        ...(flags.suites !== undefined ? { suites: flags.suites } : {}),
        ...(flags.drills !== undefined ? { drills: flags.drills.join(',') } : {}),
      });
      const { gateSpec } = await import('../gate/spec.ts');
      const { spec, source, notRun } = await gateSpec(plan, { sloFile: flags.slo, target, cwd: ctx.cwd });
      plan.notes.push(`judged by ${source}`, ...notRun.map((n) => `not run: ${n}`));
      const outDir = path.resolve(ctx.cwd, flags.out ?? path.join('reports', 'out', timestampDir()));
      const log = (l: string) => ctx.stderr.write(`${l}\n`);
      const { stackLog, ...logFile } = stackLogging(flags, outDir, ctx);
      log(
        `gate: profile ${profile}, ${target ? baseUrlText(target) : 'managed stack'}; suites ${plan.suites.map((s) => s.name).join(', ') || 'none'}; drills ${plan.drills.map((d) => d.name).join(', ') || 'none'}; scan ${plan.scan ? 'on' : 'off'}`,
      );
      for (const n of plan.notes) log(`gate: note: ${n}`);
      const { env } = ctx;
      const outcome = await runSession(
        {
          command: 'gate',
          profile,
          target,
          suites: plan.suites,
          drills: plan.drills,
          notes: plan.notes,
          thresholdSemantics: asSemantics(flags.thresholdSemantics),
          stack: { ...scaleOut, ...logFile },
          drillOptions: { ...(toxiproxyUrl ? { toxiproxyUrl } : {}), ...(databaseUrl ? { databaseUrl } : {}) },
          scan: plan.scan
            ? {
                ...(env.zapUrl ? { zapUrl: env.zapUrl } : {}),
                ...(env.zapApiKey ? { zapApiKey: env.zapApiKey } : {}),
                ...(flags.suppressions ? { suppressionsFile: flags.suppressions } : {}),
              }
            : null,
        },
        {
          env,
          signal: ctx.signal,
          log: (l) => log(`gate: ${l}`),
          partLog: (l) => log(`  ${l}`),
          progress: ctx.stderr,
          stackLog,
        },
        {
          outDir,
          spec: () => spec,
          formats: reportFormats,
          baselineFile: flags.baseline,
          failOnRegressionPct: regression?.pct,
          failOnRegressionMinMs: regression?.minMs,
        },
      );
      printJudgement(outcome, ctx.stdout, regression);
      if (flags.stepSummary && ctx.env.githubStepSummary && outcome.written.md) {
        await appendFile(ctx.env.githubStepSummary, await readFile(outcome.written.md, 'utf8'));
      }
      if (ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new InterruptedError();
      if (outcome.fatal) throw outcome.fatal;
      // The target stopped answering during the scan: an environment outcome (3), as `rampart scan` exits, its finding in the report.
      const crashed = outcome.record.findings.find((f) => f.ruleId === 'rampart-target-crashed');
      if (crashed)
        log(
          `gate: the target stopped answering during the scan, after ${crashed.endpoint}; the scan stopped there (exit 3)`,
        );
      ctx.exitCode = exitCodeFor({ verdict: outcome.record.verdict, environmentFailed: crashed !== undefined });
    });
}
