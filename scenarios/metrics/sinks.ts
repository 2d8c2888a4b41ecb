import { addToSink, emptySink, sinkValue, type K6MetricType, type K6Sink } from '../k6/k6-thresholds.ts';
import type { ParsedThreshold } from '../thresholds/parse.ts';

/**
 * Metrics that are not request outcomes (group_duration, a suite's own Trend/Counter/Rate/Gauge), folded
 * as k6 folds them (its sinks, k6-thresholds.ts): for the whole run and for each tag pair a point carries,
 * so a threshold `group_duration{group:::checkout}` reads the points tagged group=::checkout.
 */
export class MetricSinks {
  private readonly metrics = new Map<string, Map<string, K6Sink>>();

  add(
    metric: string,
    type: K6MetricType,
    value: number,
    epochMs: number,
    tags: Readonly<Record<string, string>>,
  ): void {
    let m = this.metrics.get(metric);
    if (!m) {
      m = new Map();
      this.metrics.set(metric, m);
    }
    const keys = [''];
    for (const [k, v] of Object.entries(tags)) keys.push(`${k}:${v}`);
    for (const key of keys) {
      let s = m.get(key);
      if (!s) {
        s = emptySink(type);
        m.set(key, s);
      }
      addToSink(s, value, epochMs);
    }
  }

  /** The sink of a metric, or of its points with one tag pair; null when no point came. */
  sink(metric: string, tag?: { key: string; value: string }): K6Sink | null {
    return this.metrics.get(metric)?.get(tag ? `${tag.key}:${tag.value}` : '') ?? null;
  }

  /** The threshold's aggregation over its sink, as k6 reads it; null when no point came (no data). */
  value(t: ParsedThreshold, seconds: number): number | null {
    const s = this.sink(t.metric, t.tag);
    if (!s || s.count === 0) return null;
    const v = sinkValue(
      s,
      {
        source: t.source,
        aggregation: t.aggregation,
        op: t.op,
        value: t.value,
        ...(t.percentile !== undefined ? { percentile: t.percentile } : {}),
      },
      seconds,
    );
    return v === undefined ? null : Math.round(v * 1e6) / 1e6;
  }

  /** Tag pairs seen for a metric (for a threshold that found no data). */
  tagsOf(metric: string): string[] {
    return [...(this.metrics.get(metric)?.keys() ?? [])].filter((k) => k !== '');
  }

  /** Every metric with its whole-run count and, for a Trend, p50/p95/max (ms for durations): the run record's notes. */
  summary(): Array<{ metric: string; filter: string; type: K6MetricType; count: number; text: string }> {
    const out: Array<{ metric: string; filter: string; type: K6MetricType; count: number; text: string }> = [];
    for (const [metric, m] of this.metrics) {
      for (const [filter, s] of m) {
        const r = (v: number) => Math.round(v * 100) / 100;
        const p = (n: number) =>
          r(sinkValue(s, { source: '', aggregation: 'p', percentile: n, op: '<', value: 0 }, 1) ?? 0);
        const text =
          s.type === 'trend'
            ? `count ${s.count}, p50 ${p(50)}, p95 ${p(95)}, max ${r(s.max)}`
            : s.type === 'rate'
              ? `rate ${r(s.trues / Math.max(1, s.count))} (${s.trues} of ${s.count})`
              : s.type === 'gauge'
                ? `value ${r(s.last)}`
                : `count ${r(s.sum)}`;
        out.push({ metric, filter, type: s.type, count: s.count, text });
      }
    }
    return out;
  }
}
