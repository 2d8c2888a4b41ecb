import path from 'node:path';
import { repoPath } from '../common/index.ts';
import {
  compareToBaseline,
  DEFAULT_REGRESSION_MIN_MS,
  evaluate,
  loadSloSpec,
  ownSpec,
  parseSloObject,
  readRunRecord,
  withVerdicts,
  writeReports,
  writeRunRecord,
  type ReportFormat,
  type RunRecord,
  type SloSpec,
} from '../reports/index.ts';

export const defaultSloFile = () => repoPath('slo.yaml');

/**
 * The spec a record is judged by: `sloFile`, else the spec stored in the record (what the
 * run was judged with), else the objectives the run carried (its thresholds, its drills'
 * checks, its scan), else — for a record of nothing judgeable — the repository's slo.yaml.
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
  return now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

export interface JudgeOptions {
  /** An earlier run.json to compare with. */
  baselineFile?: string | undefined;
  /** A p95 or objective that regressed more than this many % against the baseline fails the run. */
  failOnRegressionPct?: number | undefined;
  /** ... when a latency also moved by at least this many ms (--fail-on-regression 10%,5ms). */
  failOnRegressionMinMs?: number | undefined;
}

export interface Judgement {
  record: RunRecord;
  /** Scenario/tag p95 rows that regressed against the baseline. */
  regressed: NonNullable<RunRecord['comparison']>['rows'];
  /** Objectives that regressed against the baseline. */
  regressedObjectives: RunRecord['verdicts'];
  /** True when failOnRegressionPct turned the verdict into a fail. */
  regressionFails: boolean;
}

/** Evaluates the record against `spec` and compares it with the baseline, if any. */
export async function judgeRecord(record: RunRecord, spec: SloSpec, o: JudgeOptions = {}): Promise<Judgement> {
  let judged = withVerdicts(record, spec, evaluate(record, spec));
  if (o.baselineFile) {
    const baseline = await readRunRecord(o.baselineFile);
    const base = baseline.verdicts.length ? baseline : withVerdicts(baseline, spec, evaluate(baseline, spec));
    const threshold = o.failOnRegressionPct !== undefined ? o.failOnRegressionPct / 100 : spec.regressionThreshold;
    const fails = o.failOnRegressionPct !== undefined;
    // The same minimum change whether the comparison is a gate or only marked: the report and the gate agree on what regressed.
    const { verdicts, comparison } = compareToBaseline(judged, base, threshold, {
      minAbsoluteMs: o.failOnRegressionMinMs ?? DEFAULT_REGRESSION_MIN_MS,
      fails,
    });
    judged = { ...judged, verdicts, comparison };
  }
  const regressed = judged.comparison?.rows.filter((r) => r.regressed) ?? [];
  const regressedObjectives = judged.verdicts.filter((v) => v.regression?.regressed);
  const regressionFails =
    o.failOnRegressionPct !== undefined && (regressed.length > 0 || regressedObjectives.length > 0);
  if (regressionFails) {
    judged = {
      ...judged,
      verdict: 'fail',
      notes: [
        ...judged.notes,
        `--fail-on-regression ${o.failOnRegressionPct} %${o.failOnRegressionMinMs ? `,${o.failOnRegressionMinMs} ms` : ''}: ${regressed.length + regressedObjectives.length} value(s) regressed against baseline ${judged.comparison?.baselineId}`,
      ],
    };
  }
  return { record: judged, regressed, regressedObjectives, regressionFails };
}

export interface JudgeAndWriteOptions extends JudgeOptions {
  /** The spec the record is judged by; null leaves it unjudged. */
  spec: (record: RunRecord) => SloSpec | null;
  /** run.json and the reports go here. */
  outDir: string;
  /** Reports written beside run.json. */
  formats: readonly ReportFormat[];
  /** Write run.json (default true); `rampart report` re-renders a record that is already written. */
  writeRecord?: boolean;
  /** A report that could not be rendered: told here and the record kept (without it, the error is thrown). */
  onReportError?: (err: Error) => void;
}

/**
 * The one "judge, then write the record and the reports" of every command that writes a record (gate, run,
 * drill, scan through the session; report; k6 import). A spec or baseline that fails still writes the
 * measurements, unjudged, before the error is thrown: what was measured is never lost.
 */
export async function judgeAndWrite(
  record: RunRecord,
  o: JudgeAndWriteOptions,
): Promise<Judgement & { written: Record<string, string> }> {
  const file = path.join(o.outDir, 'run.json');
  const writeRecord = o.writeRecord ?? true;
  let judgement: Judgement = { record, regressed: [], regressedObjectives: [], regressionFails: false };
  try {
    const spec = o.spec(record);
    if (spec) judgement = await judgeRecord(record, spec, o);
  } catch (err) {
    if (writeRecord) await writeRunRecord(file, record);
    throw err;
  }
  let written: Record<string, string> = {};
  if (writeRecord) {
    await writeRunRecord(file, judgement.record);
    written.record = file;
  }
  if (o.formats.length > 0) {
    try {
      written = { ...written, ...(await writeReports(judgement.record, o.outDir, o.formats)) };
    } catch (err) {
      if (!o.onReportError) throw err;
      o.onReportError(err as Error);
    }
  }
  return { ...judgement, written };
}
