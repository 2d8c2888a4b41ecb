import {
  CONFIDENCE,
  judgeRatio,
  minSamplesForQuantile,
  quantileRanks,
  type Outcome,
  type Statistics,
  type ThresholdResult,
} from '../../reports/index.ts';
import {
  addToSink,
  emptySink,
  k6BuiltinTypes,
  k6Passes,
  parseK6Expression,
  parseK6Key,
  sinkValue,
  supportedText,
  supports,
  tagsContain,
  type K6Expression,
  type K6MetricType,
  type K6Sink,
} from './k6-thresholds.ts';
import type { PointStore, ThresholdItem } from './results-reader.ts';

/** The scenario name thresholds judged over the whole test carry in the run record (k6 judges every threshold test-wide). */
export const K6_TEST = 'k6 test';

export interface JudgeOptions {
  /** Test duration in seconds, what a Counter's rate divides by. */
  durationSeconds: number;
  /** Gate on rampart's reading too: a threshold k6 passes but rampart finds inconclusive is inconclusive. */
  strict?: boolean;
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

type RampartView = NonNullable<ThresholdResult['rampart']>;

function describeEmpty(type: K6MetricType): string {
  switch (type) {
    case 'trend':
      return 'an empty Trend reads 0 for min, max, avg, med and p(N)';
    case 'rate':
      return 'an empty Rate has no rate, and a threshold without a value passes';
    case 'counter':
      return 'an empty Counter reads count 0, rate 0';
    case 'gauge':
      return 'an empty Gauge reads value 0';
  }
}

/** Confidence bounds of a percentile from the sorted values: the order statistics of quantileRanks. */
function percentileView(s: K6Sink, e: K6Expression, q: number, lhs: number, k6ok: boolean): RampartView {
  const n = s.count;
  const ranks = quantileRanks(n, q, CONFIDENCE);
  const at = (r: number | null) => (r === null ? null : round6(s.values[r - 1] as number));
  const lower = at(ranks.lower);
  const upper = at(ranks.upper);
  const statistics: Statistics = {
    method: 'order-statistic',
    confidence: CONFIDENCE,
    n,
    estimate: round6(lhs),
    lower,
    upper,
    requestsNeeded: null,
  };
  if (!k6ok) return { outcome: 'fail', statistics };
  const below = e.op === '<' || e.op === '<=';
  const bound = below ? upper : lower;
  if (!below && e.op !== '>' && e.op !== '>=') return { outcome: 'pass', statistics };
  if (bound === null) {
    const need = below ? minSamplesForQuantile(q, CONFIDENCE) : minSamplesForQuantile(1 - q, CONFIDENCE);
    return {
      outcome: 'inconclusive',
      statistics,
      reason: `${n} points cannot bound ${e.aggregation === 'med' ? 'the median' : `p(${e.percentile})`} at ${CONFIDENCE * 100} % confidence: at least ${need} are needed`,
    };
  }
  if (k6Passes(e, bound)) return { outcome: 'pass', statistics };
  return {
    outcome: 'inconclusive',
    statistics,
    reason: `the ${CONFIDENCE * 100} % ${below ? 'upper' : 'lower'} bound ${bound} is not ${e.op} ${e.value}: more points would show whether it holds`,
  };
}

/** Clopper–Pearson bounds of a Rate: the "bad" points are the trues for rate< and the falses for rate>. */
function rateView(s: K6Sink, e: K6Expression, k6ok: boolean): RampartView {
  const below = e.op === '<' || e.op === '<=';
  if (!below && e.op !== '>' && e.op !== '>=') return { outcome: k6ok ? 'pass' : 'fail' };
  const bad = below ? s.trues : s.count - s.trues;
  const budget = below ? e.value : 1 - e.value;
  if (budget <= 0 || budget >= 1) return { outcome: k6ok ? 'pass' : 'fail' };
  const j = judgeRatio(bad, s.count, budget, CONFIDENCE);
  const outcome: Outcome = !k6ok ? 'fail' : j.outcome === 'fail' ? 'inconclusive' : j.outcome;
  const needed = j.statistics.requestsNeeded;
  return {
    outcome,
    statistics: j.statistics,
    ...(outcome === 'inconclusive'
      ? {
          reason: `${s.count} points cannot show rate ${e.op} ${e.value} at ${CONFIDENCE * 100} % confidence${needed ? `: about ${needed} at this ratio would` : ''}`,
        }
      : {}),
  };
}

function rampartView(s: K6Sink, e: K6Expression, lhs: number | undefined, k6ok: boolean, key: string): RampartView {
  if (s.count === 0)
    return { outcome: 'inconclusive', reason: `no points of ${key}: k6 judges it anyway (${describeEmpty(s.type)})` };
  if (s.type === 'trend' && (e.aggregation === 'p' || e.aggregation === 'med') && lhs !== undefined) {
    return percentileView(s, e, e.aggregation === 'med' ? 0.5 : (e.percentile as number) / 100, lhs, k6ok);
  }
  if (s.type === 'rate') return rateView(s, e, k6ok);
  return { outcome: k6ok ? 'pass' : 'fail' };
}

/** The sink of `metric{tags}`: every point of the metric whose tags hold the sub-metric's. */
function fill(store: PointStore, metric: string, type: K6MetricType, tags: Record<string, string>): K6Sink {
  const sink = emptySink(type);
  const series = store.series.get(metric);
  if (!series) return sink;
  const match = store.tagSets.map((t) => tagsContain(t, tags));
  for (let i = 0; i < series.values.length; i++) {
    if (match[series.tagIds[i] as number]) addToSink(sink, series.values[i] as number, series.times[i] as number);
  }
  return sink;
}

/** A threshold k6 could not have run: no k6 verdict, so no rampart reading beside one either. */
function unjudged(key: string, expression: string, reason: string): ThresholdResult {
  const brace = key.indexOf('{');
  return {
    scenario: K6_TEST,
    metric: brace < 0 ? key : key.slice(0, brace),
    ...(brace < 0 ? {} : { filter: key.slice(brace + 1, key.lastIndexOf('}')) }),
    expression,
    ok: false,
    outcome: 'inconclusive',
    reason,
    value: null,
    abortedRun: false,
  };
}

/**
 * Every threshold judged over the points of all runners, test-wide, as k6 judges it at the end of a test.
 * A threshold k6 could not have run (unknown metric, wrong aggregation for the type) is inconclusive
 * with the reason, never an error: one bad threshold does not hide the verdicts of the others.
 */
export function judgeK6Thresholds(
  store: PointStore,
  thresholds: Map<string, ThresholdItem[]>,
  o: JudgeOptions,
): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [key, items] of thresholds) {
    let parsed;
    try {
      parsed = parseK6Key(key);
    } catch (err) {
      for (const it of items) out.push(unjudged(key, it.threshold, (err as Error).message));
      continue;
    }
    const type = store.metrics.get(parsed.metric)?.type ?? k6BuiltinTypes[parsed.metric] ?? null;
    if (type === null) {
      for (const it of items)
        out.push(
          unjudged(
            key,
            it.threshold,
            `metric ${parsed.metric} appears nowhere in the files (k6 refuses a threshold on a metric the script does not define)`,
          ),
        );
      continue;
    }
    const sink = fill(store, parsed.metric, type, parsed.tags);
    for (const it of items) {
      let e: K6Expression;
      try {
        e = parseK6Expression(it.threshold);
      } catch (err) {
        out.push(unjudged(key, it.threshold, (err as Error).message));
        continue;
      }
      if (!supports(type, e.aggregation)) {
        out.push(
          unjudged(
            key,
            it.threshold,
            `${parsed.metric} is a ${type} metric: k6 supports ${supportedText(type)} on it, not ${e.aggregation}`,
          ),
        );
        continue;
      }
      const lhs = sinkValue(sink, e, o.durationSeconds);
      const k6ok = k6Passes(e, lhs);
      const view = rampartView(sink, e, lhs, k6ok, key);
      const gate: Outcome = !k6ok ? 'fail' : o.strict && view.outcome === 'inconclusive' ? 'inconclusive' : 'pass';
      out.push({
        scenario: K6_TEST,
        metric: parsed.metric,
        ...(parsed.filter !== undefined ? { filter: parsed.filter } : {}),
        expression: it.threshold,
        ok: gate === 'pass',
        outcome: gate,
        value: lhs === undefined ? null : round6(lhs),
        ...(gate === 'inconclusive'
          ? { reason: `k6 passes it; rampart (--strict): ${view.reason ?? 'inconclusive'}` }
          : {}),
        abortedRun: false,
        rampart: view,
      });
    }
  }
  return out;
}
