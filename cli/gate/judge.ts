import path from 'node:path';
import { repoPath } from '../../common/index.ts';
import {
  compareToBaseline, evaluate, renderCoverageText, loadSloSpec, ownSpec, parseSloObject, readRunRecord, renderTextTable, withVerdicts, writeReports,
  type ReportFormat, type RunRecord, type SloSpec,
} from '../../reports/index.ts';
import { FlagInvalidError } from '../flags.ts';

export const defaultSloFile = () => repoPath('slo.yaml');

/**
 * --slo FILE, else the spec stored in the record (what the run was judged with), else the
 * objectives the run carried (its thresholds, its drills' checks, its scan), else — for a
 * record of nothing judgeable — the repository's slo.yaml.
 */
export async function resolveSpec(sloFile: string | undefined, record: RunRecord | null): Promise<SloSpec> {
  if (sloFile) return loadSloSpec(sloFile);
  if (record?.slo) return parseSloObject(record.slo, 'the SLO spec stored in the run record');
  const own = record ? ownSpec(record) : null;
  if (own) return own;
  return loadSloSpec(defaultSloFile());
}

/** "2026-11-24T20-51-03Z": a directory name that sorts by time and is valid on every OS. */
export function timestampDir(now = new Date()): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

export interface JudgeOptions {
  spec: SloSpec;
  baselineFile?: string | undefined;
  outDir: string;
  formats: readonly ReportFormat[];
  withRecord: boolean;
  stdout: NodeJS.WritableStream;
  /** --fail-on-regression PCT: a p95 or objective that regressed more than PCT % against the baseline fails the run. */
  failOnRegressionPct?: number | undefined;
}

/** Evaluates, compares with the baseline, writes the reports and prints the objective table. */
export async function judgeAndWrite(record: RunRecord, o: JudgeOptions): Promise<{ record: RunRecord; written: Record<string, string> }> {
  let judged = withVerdicts(record, o.spec, evaluate(record, o.spec));
  if (o.baselineFile) {
    const baseline = await readRunRecord(o.baselineFile);
    const base = baseline.verdicts.length ? baseline : withVerdicts(baseline, o.spec, evaluate(baseline, o.spec));
    const threshold = o.failOnRegressionPct !== undefined ? o.failOnRegressionPct / 100 : o.spec.regressionThreshold;
    const { verdicts, comparison } = compareToBaseline(judged, base, threshold);
    judged = { ...judged, verdicts, comparison };
  }
  const regressed = judged.comparison?.rows.filter((r) => r.regressed) ?? [];
  const regressedObjectives = judged.verdicts.filter((v) => v.regression?.regressed);
  const regressionFails = o.failOnRegressionPct !== undefined && (regressed.length > 0 || regressedObjectives.length > 0);
  if (regressionFails) {
    judged = { ...judged, verdict: 'fail', notes: [...judged.notes, `--fail-on-regression ${o.failOnRegressionPct}: ${regressed.length + regressedObjectives.length} value(s) regressed against baseline ${judged.comparison?.baselineId}`] };
  }
  const written = await writeReports(judged, o.outDir, o.formats, { withRecord: o.withRecord });
  o.stdout.write(renderCoverageText(judged.coverage));
  o.stdout.write(renderTextTable(judged.verdicts, judged.verdict));
  for (const r of regressed) o.stdout.write(`regressed vs baseline: ${r.scenario} ${r.tag} p95 ${r.baseline} → ${r.current} ms (+${((r.change ?? 0) * 100).toFixed(1)} %)\n`);
  if (regressionFails) {
    o.stdout.write(`FAIL: ${regressed.length + regressedObjectives.length} value(s) regressed more than ${o.failOnRegressionPct} % against the baseline (--fail-on-regression)\n`);
  }
  o.stdout.write(`reports: ${Object.values(written).map((p) => path.relative(process.cwd(), p) || p).join(', ')}\n`);
  return { record: judged, written };
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
