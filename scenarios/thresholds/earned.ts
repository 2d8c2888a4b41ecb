import { CONFIDENCE, judgePercentile, judgeRatio, type ThresholdResult } from '../../reports/index.ts';
import type { Stats } from '../metrics/stats.ts';
import type { ParsedThreshold } from './parse.ts';

/**
 * How a threshold of rampart's own run is judged.
 * - rampart (default): like the SLO objectives, a PASS must be earned at 95 % confidence — a ratio on its
 *   Clopper–Pearson bound, a percentile on its order-statistic bound; a point estimate that holds while its
 *   bound does not is INCONCLUSIVE, saying that k6 would pass it and how many requests would conclude it.
 * - k6: k6's point verdict; rampart's bounds are still recorded beside it (`rampart`).
 */
export const thresholdSemantics = ['rampart', 'k6'] as const;
export type ThresholdSemantics = (typeof thresholdSemantics)[number];

type RampartView = NonNullable<ThresholdResult['rampart']>;

const pct = (v: number) => `${Number((v * 100).toPrecision(4))} %`;
const conf = `${CONFIDENCE * 100} %`;

/** The bound-based reading of a threshold whose point estimate holds; null where no bound applies (avg, max, counters, ==). */
export function boundView(t: ParsedThreshold, s: Stats): RampartView | null {
  const below = t.op === '<' || t.op === '<=';
  const above = t.op === '>' || t.op === '>=';
  if (t.metric === 'http_req_failed' && t.aggregation === 'rate' && below)
    return ratioView(s.failed, s.count, t.value, 'failed requests');
  if (t.metric === 'checks' && t.aggregation === 'rate' && above)
    return ratioView(s.checksFailed, s.checksPassed + s.checksFailed, 1 - t.value, 'failed checks');
  if (t.metric === 'http_req_duration' && (t.aggregation === 'p' || t.aggregation === 'med') && below) {
    const percentile = t.aggregation === 'med' ? 50 : (t.percentile ?? 50);
    const j = judgePercentile(s.hist, percentile, t.value);
    if (j.outcome === 'pass') return { outcome: 'pass', statistics: j.statistics };
    const upper = j.statistics.upper;
    return {
      outcome: 'inconclusive',
      statistics: j.statistics,
      reason: `the ${conf} upper bound of p(${percentile}) is ${upper === null ? 'undefined' : `${upper} ms`} over ${j.statistics.n} requests, not ${t.op} ${t.value}; to conclude: ${j.toConclude ?? 'more requests'}`,
    };
  }
  return null;
}

function ratioView(bad: number, n: number, budget: number, what: string): RampartView | null {
  if (budget <= 0 || budget >= 1 || n === 0) return null;
  const j = judgeRatio(bad, n, budget, CONFIDENCE);
  if (j.outcome === 'pass') return { outcome: 'pass', statistics: j.statistics };
  const need = j.statistics.requestsNeeded;
  return {
    outcome: 'inconclusive',
    statistics: j.statistics,
    reason: `${bad} ${what} of ${n}: the ${conf} upper bound ${pct(j.statistics.upper ?? 1)} is not within ${pct(budget)}; to conclude: ${need ? `at least ${need} requests at this ratio` : 'a lower ratio'}`,
  };
}

/**
 * A whole-run threshold result judged under `semantics`: a point PASS the sample cannot support becomes
 * INCONCLUSIVE (rampart), or stays PASS with the bounds beside it (k6). Failures and no-data results pass through.
 */
export function earn(
  r: ThresholdResult,
  t: ParsedThreshold,
  s: Stats | null,
  semantics: ThresholdSemantics,
): ThresholdResult {
  if (r.outcome !== 'pass' || s === null) return r;
  const view = boundView(t, s);
  if (view === null) return r;
  if (view.outcome === 'pass' || semantics === 'k6') return { ...r, rampart: view };
  return {
    ...r,
    ok: false,
    outcome: 'inconclusive',
    rampart: view,
    reason: `k6 would pass it (observed ${r.value}); rampart cannot at ${conf} confidence: ${view.reason ?? 'too few requests'} (or --threshold-semantics k6 for k6's point verdict)`,
  };
}
