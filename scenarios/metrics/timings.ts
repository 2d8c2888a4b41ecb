import { createLatencyHistogram, recordMs, summarize, type LatencyHistogram } from '../../reports/index.ts';
import type { RequestTimings } from '../http/dispatch.ts';
import { latencyAggregate } from '../thresholds/evaluate.ts';
import type { ParsedThreshold } from '../thresholds/parse.ts';

/** k6's metric name for each part of a request's time. */
const NAMES: Array<[keyof RequestTimings, string]> = [
  ['blocked', 'http_req_blocked'],
  ['connecting', 'http_req_connecting'],
  ['tlsHandshaking', 'http_req_tls_handshaking'],
  ['sending', 'http_req_sending'],
  ['waiting', 'http_req_waiting'],
  ['receiving', 'http_req_receiving'],
];
export const TIMING_METRICS: ReadonlySet<string> = new Set(NAMES.map(([, n]) => n));

const round = (v: number) => Math.round(v * 1000) / 1000;

/**
 * k6's request timing breakdown (http_req_blocked … http_req_receiving) for the whole run, one HdrHistogram
 * (µs, 3 significant digits) per metric for all requests and per tag pair (name, group, the scenario's
 * tags), so a long run costs no more memory than a short one. Thresholds read them as http_req_duration's.
 */
export class TimingHistograms {
  private readonly byMetric = new Map<string, Map<string, LatencyHistogram>>();

  add(t: RequestTimings, name: string, group: string | null, scenarioTags: Readonly<Record<string, string>>): void {
    const keys = ['', `name:${name}`];
    if (group !== null) keys.push(`group:${group}`);
    for (const [k, v] of Object.entries(scenarioTags)) keys.push(`${k}:${v}`);
    for (const [field, metric] of NAMES) {
      let m = this.byMetric.get(metric);
      if (!m) {
        m = new Map();
        this.byMetric.set(metric, m);
      }
      for (const key of keys) {
        let h = m.get(key);
        if (!h) {
          h = createLatencyHistogram();
          m.set(key, h);
        }
        recordMs(h, Math.max(0, t[field]));
      }
    }
  }

  private histogram(metric: string, tag?: { key: string; value: string }): LatencyHistogram | null {
    return this.byMetric.get(metric)?.get(tag ? `${tag.key}:${tag.value}` : '') ?? null;
  }

  /** The threshold's aggregation (ms) over its histogram; null when no request was measured. */
  value(t: ParsedThreshold): number | null {
    const h = this.histogram(t.metric, t.tag);
    if (!h || h.totalCount === 0) return null;
    return latencyAggregate(h, t, round);
  }

  tagsOf(metric: string): string[] {
    return [...(this.byMetric.get(metric)?.keys() ?? [])].filter((k) => k !== '');
  }

  /** Each metric over all requests: count, p50, p95, p99, max (ms), for the run record's notes. */
  summary(): Array<{ metric: string; text: string }> {
    return NAMES.map(([, metric]) => {
      const h = this.histogram(metric);
      if (!h || h.totalCount === 0) return null;
      const s = summarize(h);
      return { metric, text: `count ${h.totalCount}, p50 ${s.p50}, p95 ${s.p95}, p99 ${s.p99}, max ${s.max} ms` };
    }).filter((x): x is { metric: string; text: string } => x !== null);
  }
}
