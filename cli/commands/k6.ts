import { spawn, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { EnvironmentError } from '../../common/index.ts';
import { exportK6Script, formatSummary, importK6Results, loadSuite, profiles, type Profile, type Suite } from '../../scenarios/index.ts';
import { appendPart, createRunRecord, evaluate, loadSloSpec, parseFormats, withVerdicts, writeReports, writeRunRecord } from '../../reports/index.ts';
import type { CliContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { FlagInvalidError, forFlag } from '../flags.ts';

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

/** `rampart run --engine k6`: export each suite and hand it to the k6 binary (exit 99 = thresholds failed → 1). */
export async function runWithK6(suites: Suite[], target: string | undefined, outDir: string, ctx: CliContext): Promise<number> {
  if (!k6OnPath()) throw new K6MissingError();
  if (!target) throw new FlagInvalidError('--engine k6 needs --target URL', { hint: 'start the stack with `rampart stack up` and pass its URL' });
  let code = 0;
  for (const suite of suites) {
    const file = path.join(outDir, `${suite.name}.k6.ts`);
    await mkdir(outDir, { recursive: true });
    await writeFile(file, exportK6Script(suite));
    const child = spawn('k6', ['run', '-e', `BASE_URL=${target}`, file], { stdio: ['ignore', 'inherit', 'inherit'] });
    const onAbort = () => child.kill('SIGINT');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const exit = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 3)));
    ctx.signal.removeEventListener('abort', onAbort);
    code = Math.max(code, exit === 0 ? 0 : exit === 99 ? 1 : 3);
  }
  return code;
}

export function registerK6(program: Command, ctx: CliContext): void {
  const k6 = program.command('k6').description('k6 interoperability: export suites as k6 scripts, import k6 results (distributed load, one verdict).');
  k6.command('export')
    .description('Write a suite as a k6 script typed with @types/k6 (executors, stages, thresholds, checks, flows).')
    .argument('<suite>', 'suite name or file')
    .option('--profile <p>', 'quick or full', 'full')
    .option('--out <file>', 'output file (default: stdout)')
    .addHelpText('after', `
Examples:
  rampart k6 export load --out load.k6.ts && k6 run -e BASE_URL=http://127.0.0.1:3000 load.k6.ts
  rampart k6 export stress --profile quick > stress.k6.ts`)
    .action(async (name: string, flags: { profile: string; out?: string }) => {
      if (!(profiles as readonly string[]).includes(flags.profile)) throw new FlagInvalidError(`--profile must be quick or full, got "${flags.profile}"`);
      const script = exportK6Script(loadSuite(name, flags.profile as Profile, { env: ctx.vars }));
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
  profile: string;
  slo?: string;
  out: string;
  format?: string;
}

/** `rampart k6 import`: k6 JSON results of one or more runners → one run record, thresholds and SLOs over the merged whole. */
export function registerK6Import(k6: Command, ctx: CliContext): void {
  k6.command('import')
    .description('Merge k6 JSON results (`k6 run --out json=FILE`, one file per runner, e.g. k6-operator) into one run record and judge the thresholds and SLOs over the whole.')
    .argument('<results...>', 'k6 JSON output files (.json or .gz), one per runner')
    .option('--suite <name>', 'the suite the k6 script was exported from: its scenarios\' thresholds are judged too (besides those the files declare)')
    .option('--profile <p>', 'with --suite: quick or full', 'full')
    .option('--slo <file>', 'also judge an SLO spec (slo.yaml) over the merged run record')
    .option('--out <dir>', 'where run.json (and --format reports) go', 'reports/out/k6-import')
    .option('--format <list>', 'also write reports: comma-separated html,json,junit,md')
    .addHelpText('after', `
Thresholds come from the files' Metric lines (k6 writes each metric's thresholds there) and from --suite.
k6-operator's runners each judge thresholds over their own share; here they are judged over all points:
latencies go into HdrHistograms per request tag and second from the raw values, so the merge is exact.

Exit code: 0 every threshold (and --slo objective) passes, 1 one fails or is inconclusive, 2 bad input.

Examples:
  rampart k6 import runner-0.json runner-1.json runner-2.json --out out/k6
  rampart k6 import results-*.json.gz --suite load --slo slo.yaml --format html,md`)
    .action(async (files: string[], flags: ImportFlags) => {
      const formats = flags.format ? forFlag('--format', () => parseFormats(flags.format as string)) : [];
      let thresholds: Record<string, Record<string, unknown[]>> | undefined;
      let thresholdWindows: number[] | undefined;
      if (flags.suite) {
        if (!(profiles as readonly string[]).includes(flags.profile)) throw new FlagInvalidError(`--profile must be quick or full, got "${flags.profile}"`);
        const suite = loadSuite(flags.suite, flags.profile as Profile, { env: ctx.vars });
        thresholds = Object.fromEntries(suite.scenarios.map((s) => [s.name, s.thresholds as Record<string, unknown[]>]));
        thresholdWindows = suite.scenarios[0]?.thresholdWindows;
      }
      const spec = flags.slo ? await loadSloSpec(flags.slo) : undefined;
      const r = await importK6Results(files, { ...(thresholds ? { thresholds } : {}), ...(thresholdWindows ? { thresholdWindows } : {}) });
      let record = createRunRecord({ command: `k6 import ${files.join(' ')}`, profile: flags.suite ? flags.profile : null, startedAt: r.startedAt });
      record.meta.endedAt = r.endedAt;
      appendPart(record, r.part);
      for (const s of r.summaries) ctx.stdout.write(formatSummary(s, r.thresholds.filter((t) => t.scenario === s.scenario)));
      if (spec) record = withVerdicts(record, spec, evaluate(record, spec));
      const file = path.join(flags.out, 'run.json');
      await writeRunRecord(file, record);
      if (formats.length > 0) await writeReports(record, flags.out, formats);
      ctx.stderr.write(`rampart: ${r.runners.length} runner(s), ${r.summaries.reduce((a, s) => a + s.requests, 0)} requests merged; run record written to ${file}\n`);
      const outcome = (t: { ok: boolean; outcome?: string }) => t.outcome ?? (t.ok ? 'pass' : 'fail');
      const failed = r.thresholds.filter((t) => outcome(t) === 'fail');
      const unsure = r.thresholds.filter((t) => outcome(t) === 'inconclusive');
      if (failed.length > 0 || (spec && record.verdict === 'fail')) {
        ctx.stderr.write(`rampart: FAIL over the merged runners: ${[...failed.map((t) => `${t.metric}${t.filter ? `{${t.filter}}` : ''} ${t.expression} (observed ${t.value ?? 'no data'})`), ...(spec && record.verdict === 'fail' ? ['an SLO objective'] : [])].join('; ')}\n`);
        ctx.exitCode = ExitCode.breached;
      } else if (unsure.length > 0 || (spec && record.verdict !== 'pass')) {
        ctx.stderr.write('rampart: INCONCLUSIVE over the merged runners (exit 1)\n');
        ctx.exitCode = ExitCode.breached;
      }
    });
}
