import { createRequire } from 'node:module';
import type BetaQuantileFn from '@stdlib/stats-base-dists-beta-quantile';
import type BinomialQuantileFn from '@stdlib/stats-base-dists-binomial-quantile';
import type { LatencyHistogram } from './histogram.ts';
import type { Outcome, Statistics } from './run-record.ts';

/**
 * How much evidence a verdict needs. A run is a sample: zero failures in 300
 * requests cannot tell 99.9 % from 99 %, so ratio and percentile objectives
 * are judged on one-sided confidence bounds, not on point estimates:
 *
 * - pass: the bound on the bad side is within the objective (the data shows it holds);
 * - fail: the point estimate itself breaks the objective (the run spent more than its budget);
 * - inconclusive: in between — the run met the objective but too few requests were sent to show it.
 *
 * Ratios use the Clopper–Pearson ("exact") interval: it never under-covers, so a
 * PASS at 95 % is at least 95 % confident. Wilson's interval is narrower but can
 * fall below its nominal coverage when failures are near zero, exactly where an
 * availability objective lives; for a release gate a false PASS is the costly error.
 * With zero failures the upper bound is 1 − α^(1/n) ≈ 3/n (the "rule of three"):
 * 99.9 % needs 2,995 clean requests.
 *
 * Percentiles use the order-statistic (binomial) interval: the number of samples
 * below the true q-quantile is Binomial(n, q), so the k-th smallest sample is an
 * upper bound for it with confidence P(Bin(n, q) < k). It needs no assumption about
 * the latency distribution; p95 has an upper bound only from 59 samples on.
 */
export const CONFIDENCE = 0.95;

// Loaded on first use: the quantile functions pull in ~200 small modules, which every CLI start would pay for.
const load = createRequire(import.meta.url);
type BetaQuantile = typeof BetaQuantileFn;
type BinomialQuantile = typeof BinomialQuantileFn;
let beta: BetaQuantile | undefined;
let binomial: BinomialQuantile | undefined;
const betaQuantile = (p: number, a: number, b: number) =>
  (beta ??= load('@stdlib/stats-base-dists-beta-quantile') as BetaQuantile)(p, a, b);
const binomialQuantile = (p: number, n: number, q: number) =>
  (binomial ??= load('@stdlib/stats-base-dists-binomial-quantile') as BinomialQuantile)(p, n, q);

/** One-sided Clopper–Pearson bounds on a failure ratio: k failures in n trials. */
export function ratioBounds(k: number, n: number, confidence = CONFIDENCE): { lower: number; upper: number } {
  if (n <= 0) return { lower: 0, upper: 1 };
  const upper = k >= n ? 1 : betaQuantile(confidence, k + 1, n - k);
  const lower = k <= 0 ? 0 : betaQuantile(1 - confidence, k, n - k + 1);
  return { lower, upper };
}

/**
 * Requests needed (at the observed failure ratio) for the upper bound to fall
 * within the budget; null when the observed ratio is at or above the budget
 * (more requests cannot make it pass).
 */
export function requestsNeeded(k: number, n: number, budget: number, confidence = CONFIDENCE): number | null {
  const ratio = n > 0 ? k / n : 0;
  if (ratio >= budget) return null;
  if (k === 0) return Math.max(n, Math.ceil(Math.log(1 - confidence) / Math.log1p(-budget)));
  const holds = (m: number) => ratioBounds(Math.round(ratio * m), m, confidence).upper <= budget;
  let hi = Math.max(n, 1);
  while (!holds(hi)) {
    hi *= 2;
    if (hi > 1e10) return null;
  }
  let lo = Math.max(1, Math.floor(hi / 2));
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (holds(mid)) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(n, hi);
}

export interface RatioJudgement {
  outcome: Outcome;
  statistics: Statistics;
}

/** Judges k failures in n against a failure budget (e.g. 0.001 for 99.9 % availability). */
export function judgeRatio(k: number, n: number, budget: number, confidence = CONFIDENCE): RatioJudgement {
  const estimate = n > 0 ? k / n : null;
  const { lower, upper } = ratioBounds(k, n, confidence);
  const outcome: Outcome =
    estimate === null ? 'inconclusive' : estimate > budget + 1e-12 ? 'fail' : upper <= budget ? 'pass' : 'inconclusive';
  return {
    outcome,
    statistics: {
      method: 'clopper-pearson',
      confidence,
      n,
      failures: k,
      estimate,
      lower,
      upper,
      requestsNeeded: outcome === 'inconclusive' ? requestsNeeded(k, n, budget, confidence) : null,
    },
  };
}

/** Ranks (1-based) of the order statistics bounding the q-quantile of n samples; null when n is too small for one. */
export function quantileRanks(
  n: number,
  q: number,
  confidence = CONFIDENCE,
): { lower: number | null; upper: number | null } {
  if (n <= 0) return { lower: null, upper: null };
  const upper = binomialQuantile(confidence, n, q) + 1;
  const lower = binomialQuantile(1 - confidence, n, q);
  return { lower: lower >= 1 ? lower : null, upper: upper <= n ? upper : null };
}

/** Smallest n for which the q-quantile has a one-sided upper confidence bound (59 for p95, 299 for p99). */
export function minSamplesForQuantile(q: number, confidence = CONFIDENCE): number {
  return Math.ceil(Math.log(1 - confidence) / Math.log(q));
}

const valueAtRank = (h: LatencyHistogram, rank: number, n: number) =>
  Math.round(h.getValueAtPercentile((100 * rank) / n) / 10) / 100;

/**
 * Judges the pN latency of a histogram against "below limitMs". Fewer samples
 * than minSamples, or too few to bound the percentile, is inconclusive.
 */
export function judgePercentile(
  h: LatencyHistogram,
  percentile: number,
  limitMs: number,
  minSamples = 0,
  confidence = CONFIDENCE,
): RatioJudgement & { toConclude: string | null } {
  const n = h.totalCount;
  const q = percentile / 100;
  const estimate = n > 0 ? Math.round(h.getValueAtPercentile(percentile) / 10) / 100 : null;
  const ranks = quantileRanks(n, q, confidence);
  const lower = ranks.lower === null ? null : valueAtRank(h, ranks.lower, n);
  const upper = ranks.upper === null ? null : valueAtRank(h, ranks.upper, n);
  const need = Math.max(minSamples, minSamplesForQuantile(q, confidence));
  let outcome: Outcome;
  let toConclude: string | null = null;
  if (estimate === null) outcome = 'inconclusive';
  else if (estimate >= limitMs) outcome = 'fail';
  else if (n < need || upper === null) {
    outcome = 'inconclusive';
    toConclude = `at least ${need} requests (had ${n})`;
  } else if (upper < limitMs) outcome = 'pass';
  else {
    outcome = 'inconclusive';
    // Share of samples under the limit; the upper rank must fall under it: n ≥ (z·√(q(1−q)) / (share − q))².
    const share = shareBelow(h, limitMs);
    const z = 1.6449;
    const more = share > q ? Math.ceil(((z * Math.sqrt(q * (1 - q))) / (share - q)) ** 2) : null;
    toConclude =
      more !== null ? `about ${Math.max(more, n + 1)} requests at this latency distribution` : 'more requests';
  }
  return {
    outcome,
    toConclude,
    statistics: { method: 'order-statistic', confidence, n, estimate, lower, upper, requestsNeeded: null },
  };
}

/** Share of the samples below limitMs, found by bisection on the percentile (HdrHistogram-js has no rank query). */
function shareBelow(h: LatencyHistogram, limitMs: number): number {
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (h.getValueAtPercentile(mid) / 1000 < limitMs) lo = mid;
    else hi = mid;
  }
  return lo / 100;
}
