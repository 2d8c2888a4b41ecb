import path from 'node:path';
import { InputError, repoPath } from '../../common/index.ts';
import {
  compareToBaseline, evaluate, loadSloSpec, parseSloObject, readRunRecord, renderTextTable, withVerdicts, writeReports,
  type ReportFormat, type RunRecord, type SloSpec,
} from '../../reports/index.ts';

export const defaultSloFile = () => repoPath('slo.yaml');

/** --slo FILE, else the spec stored in the record, else the repository's slo.yaml. */
export async function resolveSpec(sloFile: string | undefined, record: RunRecord | null): Promise<SloSpec> {
  if (sloFile) return loadSloSpec(sloFile);
  if (record?.slo) return parseSloObject(record.slo, 'the SLO spec stored in the run record');
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
}

/** Evaluates, compares with the baseline, writes the reports and prints the objective table. */
export async function judgeAndWrite(record: RunRecord, o: JudgeOptions): Promise<{ record: RunRecord; written: Record<string, string> }> {
  let judged = withVerdicts(record, o.spec, evaluate(record, o.spec));
  if (o.baselineFile) {
    const baseline = await readRunRecord(o.baselineFile);
    const base = baseline.verdicts.length ? baseline : withVerdicts(baseline, o.spec, evaluate(baseline, o.spec));
    const { verdicts, comparison } = compareToBaseline(judged, base, o.spec.regressionThreshold);
    judged = { ...judged, verdicts, comparison };
  }
  const written = await writeReports(judged, o.outDir, o.formats, { withRecord: o.withRecord });
  o.stdout.write(renderTextTable(judged.verdicts, judged.verdict));
  const regressed = judged.comparison?.rows.filter((r) => r.regressed) ?? [];
  for (const r of regressed) o.stdout.write(`regressed vs baseline: ${r.scenario} ${r.tag} p95 ${r.baseline} → ${r.current} ms\n`);
  o.stdout.write(`reports: ${Object.values(written).map((p) => path.relative(process.cwd(), p) || p).join(', ')}\n`);
  return { record: judged, written };
}

export function parseProfile(v: string): 'quick' | 'full' {
  if (v !== 'quick' && v !== 'full') throw new InputError('RAMPART_FLAG_INVALID', `--profile: "${v}" is not a profile`, { hint: 'use --profile quick or --profile full' });
  return v;
}
