import { mergeHistograms, percentileMs } from './histogram.ts';
import type { Comparison, RunRecord, Verdict } from './run-record.ts';

/** Objective kinds where a larger value is worse, and those where a smaller one is. */
const higherIsWorse = new Set(['latency', 'error-rate', 'recovery-time']);
const lowerIsWorse = new Set(['availability']);

/** A tag with fewer requests than this in either run is compared but never called a regression (its p95 is noise). */
export const MIN_COMPARABLE_REQUESTS = 50;

function p95ByTag(record: RunRecord): Map<string, { scenario: string; tag: string; p95: number; count: number }> {
  const groups = new Map<string, string[]>();
  for (const s of record.samples) {
    const k = `${s.scenario}\u0000${s.tag}`;
    const g = groups.get(k);
    if (g) g.push(s.latency);
    else groups.set(k, [s.latency]);
  }
  const out = new Map<string, { scenario: string; tag: string; p95: number; count: number }>();
  for (const [k, list] of groups) {
    const h = mergeHistograms(list);
    const [scenario = '', tag = ''] = k.split('\u0000');
    if (h.totalCount > 0) out.set(k, { scenario, tag, p95: percentileMs(h, 95), count: h.totalCount });
    h.destroy();
  }
  return out;
}

const change = (base: number | null, cur: number | null) =>
  base === null || cur === null || base === 0 ? null : Math.round(((cur - base) / base) * 10_000) / 10_000;

/** A latency must also move by at least this much to be marked regressed (a 2-ms wobble of a 10-ms p95 is 20 %, and noise). */
export const DEFAULT_REGRESSION_MIN_MS = 5;

/** How a comparison judges a move: by more than `threshold` (0.1 = 10 %) and, for a latency, by at least `minAbsoluteMs`. */
export interface RegressionRule {
  minAbsoluteMs?: number;
  /** Regressions fail the run (--fail-on-regression). */
  fails?: boolean;
}

/**
 * Compares a run with a baseline run: p95 of every scenario/tag present in both,
 * and every objective's measured value (both records must carry verdicts). A value
 * regressed when it moved the bad way by more than `threshold` (0.1 = 10 %) — a latency
 * also by at least `minAbsoluteMs`. Returns the verdicts marked and the comparison to store in the record.
 */
export function compareToBaseline(
  current: RunRecord,
  baseline: RunRecord,
  threshold = 0.1,
  rule: RegressionRule = {},
): { verdicts: Verdict[]; comparison: Comparison } {
  const minMs = rule.minAbsoluteMs ?? 0;
  const bigEnough = (b: number | null, c: number | null) => b !== null && c !== null && Math.abs(c - b) >= minMs;
  const base = p95ByTag(baseline);
  const cur = p95ByTag(current);
  const rows: Comparison['rows'] = [];
  for (const [k, c] of cur) {
    const b = base.get(k);
    if (!b) continue;
    const ch = change(b.p95, c.p95);
    const enough = Math.min(b.count, c.count) >= MIN_COMPARABLE_REQUESTS;
    rows.push({
      scenario: c.scenario,
      tag: c.tag,
      metric: 'p95 ms',
      baseline: b.p95,
      current: c.p95,
      change: ch,
      regressed: enough && ch !== null && ch > threshold && bigEnough(b.p95, c.p95),
    });
  }
  const baseVerdicts = new Map(baseline.verdicts.map((v) => [v.objective, v]));
  const verdicts = current.verdicts.map((v) => {
    const b = baseVerdicts.get(v.objective);
    if (!b || !(higherIsWorse.has(v.kind) || lowerIsWorse.has(v.kind))) return v;
    const ch = change(b.value, v.value);
    const regressed =
      ch !== null &&
      (higherIsWorse.has(v.kind) ? ch > threshold : ch < -threshold) &&
      (v.kind !== 'latency' || bigEnough(b.value, v.value));
    return { ...v, regression: { baseline: b.value, change: ch, regressed } };
  });
  return {
    verdicts,
    comparison: {
      baselineId: baseline.id,
      baselineStartedAt: baseline.meta.startedAt,
      threshold,
      minAbsoluteMs: minMs,
      fails: rule.fails ?? false,
      rows,
    },
  };
}
