import type { Stats } from '../metrics/stats.ts';
import { compare, metricKinds, type ParsedThreshold } from './parse.ts';

const round = (v: number) => Math.round(v * 1e6) / 1e6;

/** A latency threshold's aggregation (p(N), med, avg, min, max) over a µs histogram, in ms through `round`; null for another. */
export function latencyAggregate(
  h: Stats['hist'],
  t: Pick<ParsedThreshold, 'aggregation' | 'percentile'>,
  round: (ms: number) => number,
): number | null {
  const ms = (us: number) => round(us / 1000);
  switch (t.aggregation) {
    case 'p':
      return ms(h.getValueAtPercentile(t.percentile ?? 50));
    case 'med':
      return ms(h.getValueAtPercentile(50));
    case 'avg':
      return ms(h.mean);
    case 'min':
      // A 0 ms value (k6's connect time on a reused connection) is the minimum when there is one.
      return ms(h.getValueAtPercentile(0) === 0 ? 0 : h.minNonZeroValue);
    case 'max':
      return ms(h.maxValue);
    default:
      return null;
  }
}

/** The observed value of a threshold's aggregation over `stats` spanning `seconds`; null when there is no data. */
export function observe(t: ParsedThreshold, stats: Stats, seconds: number): number | null {
  switch (t.metric) {
    case 'http_req_duration':
      return stats.hist.totalCount === 0 ? null : latencyAggregate(stats.hist, t, round);
    default:
      return null; // group_duration and the suite's own metrics are not request outcomes: the aggregator's MetricSinks hold them
    case 'http_req_failed':
      return stats.count === 0 ? null : round(stats.failed / stats.count);
    case 'checks': {
      const n = stats.checksPassed + stats.checksFailed;
      return n === 0 ? null : round(stats.checksPassed / n);
    }
    case 'http_reqs':
    case 'dropped_iterations':
    case 'late_requests': {
      const count =
        t.metric === 'http_reqs' ? stats.count : t.metric === 'dropped_iterations' ? stats.dropped : stats.late;
      if (t.aggregation === 'count') return count;
      return seconds > 0 ? round(count / seconds) : null;
    }
  }
}

/** No data is not a breach (k6 behaves the same). */
export function holds(t: ParsedThreshold, value: number | null): boolean {
  return value === null || compare(value, t.op, t.value);
}

/** Sliding windows apply to latency and ratio metrics; counters over a window would only restate the rate. */
export function windowed(t: ParsedThreshold): boolean {
  return (metricKinds as Record<string, string>)[t.metric] !== 'counter';
}

/** Which of two breaching values is worse for this threshold's direction. */
export function worse(t: ParsedThreshold, a: number, b: number): boolean {
  return t.op === '<' || t.op === '<=' ? a > b : a < b;
}
