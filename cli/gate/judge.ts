import path from 'node:path';
import { renderCoverageText, renderTextTable, writeReports, type ReportFormat, type RunRecord, type SloSpec } from '../../reports/index.ts';
import { judgeRecord, type Judgement } from '../../session/index.ts';
import { FlagInvalidError } from '../flags.ts';

export { resolveSpec } from '../../session/index.ts';

/** Prints what the judging found: the coverage, the objective table, the regressions and where the reports are. */
export function printJudgement(j: Judgement & { written: Record<string, string> }, stdout: NodeJS.WritableStream, failOnRegressionPct?: number): void {
  stdout.write(renderCoverageText(j.record.coverage));
  stdout.write(renderTextTable(j.record.verdicts, j.record.verdict));
  for (const r of j.regressed) stdout.write(`regressed vs baseline: ${r.scenario} ${r.tag} p95 ${r.baseline} → ${r.current} ms (+${((r.change ?? 0) * 100).toFixed(1)} %)\n`);
  if (j.regressionFails) {
    stdout.write(`FAIL: ${j.regressed.length + j.regressedObjectives.length} value(s) regressed more than ${failOnRegressionPct} % against the baseline (--fail-on-regression)\n`);
  }
  stdout.write(`reports: ${Object.values(j.written).map((p) => path.relative(process.cwd(), p) || p).join(', ')}\n`);
}

export interface JudgeAndWriteOptions {
  spec: SloSpec;
  baselineFile?: string | undefined;
  outDir: string;
  formats: readonly ReportFormat[];
  /** Write run.json beside the reports as well. */
  withRecord?: boolean;
  stdout: NodeJS.WritableStream;
  /** --fail-on-regression PCT: a p95 or objective that regressed more than PCT % against the baseline fails the run. */
  failOnRegressionPct?: number | undefined;
}

/** `rampart report`: judges a written record again, compares with the baseline, writes the reports and prints the objective table. */
export async function judgeAndWrite(record: RunRecord, o: JudgeAndWriteOptions): Promise<{ record: RunRecord; written: Record<string, string> }> {
  const judgement = await judgeRecord(record, o.spec, o);
  const written = await writeReports(judgement.record, o.outDir, o.formats, { withRecord: o.withRecord ?? false });
  printJudgement({ ...judgement, written }, o.stdout, o.failOnRegressionPct);
  return { record: judgement.record, written };
}

/** --fail-on-regression PCT: a positive percentage. */
export function parseRegressionPct(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(String(v).replace(/%$/, ''));
  if (!Number.isFinite(n) || n <= 0) throw new FlagInvalidError(`--fail-on-regression: "${v}" is not a positive percentage`, { hint: 'e.g. --fail-on-regression 10 (fail when a p95 grew more than 10 %)' });
  return n;
}

export function parseProfile(v: string): 'quick' | 'full' {
  if (v !== 'quick' && v !== 'full') throw new FlagInvalidError(`--profile: "${v}" is not a profile`, { hint: 'use --profile quick or --profile full' });
  return v;
}
