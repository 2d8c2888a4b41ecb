import type { Outcome, RunRecord, ThresholdResult, Verdict } from '../run-record.ts';

/** The thresholds a "threshold" verdict speaks for (its scenario's, or all of them). */
export function thresholdsOf(record: RunRecord, v: Verdict): ThresholdResult[] {
  if (v.kind !== 'threshold') return [];
  return record.thresholds.filter((t) => v.scenario === undefined || t.scenario === v.scenario);
}

export const thresholdOutcome = (t: ThresholdResult): Outcome => t.outcome ?? (t.ok ? 'pass' : 'fail');

export const thresholdKey = (t: ThresholdResult) => `${t.metric}${t.filter !== undefined ? `{${t.filter}}` : ''}`;

const num = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));

/** "observed 162.3" or why there is no value. */
export function observedText(t: ThresholdResult): string {
  const where = t.window ? ` (worst ${t.window.seconds} s window)` : '';
  return t.value === null ? (t.reason ?? 'no data') : `${num(t.value)}${where}`;
}

/** rampart's reading beside a threshold read back from k6 (empty for the engine's own thresholds). */
export function rampartText(t: ThresholdResult): string {
  const r = t.rampart;
  if (!r) return t.value === null && t.outcome === 'inconclusive' && t.reason ? 'not judged' : '';
  const s = r.statistics;
  const bounds =
    s && (s.lower !== null || s.upper !== null)
      ? ` (${s.method === 'clopper-pearson' ? 'ratio' : 'value'} ${s.confidence * 100} % bounds ${s.lower === null ? '—' : num(s.lower)} to ${s.upper === null ? '—' : num(s.upper)}, n ${s.n})`
      : '';
  return `${r.outcome.toUpperCase()}${bounds}${r.reason ? `: ${r.reason}` : ''}`;
}

/** Where the measurements came from: rampart's engine against a target or the managed stack, or a k6 import. */
export function sourceText(record: RunRecord): string {
  return record.meta.source ?? record.meta.target ?? 'managed stack';
}
