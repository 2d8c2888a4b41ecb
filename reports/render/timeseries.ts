import { createLatencyHistogram, decodeRaw, percentileMs, type LatencyHistogram } from '../histogram.ts';
import type { RunRecord } from '../run-record.ts';
import type { Series, Span } from './svg-chart.ts';

/** At most this many points per series: a one-hour run at 1 s buckets becomes 6-s steps. */
export const MAX_POINTS = 600;

export interface TimeData {
  start: number;
  end: number;
  stepMs: number;
  latency: Series[];
  rate: Series[];
  errors: Series[];
  faults: Span[];
  markers: Array<{ ts: number; label: string }>;
  /** With `perRequest`: each scenario/request name's totals and whole-run percentiles, from the same single decoding pass. */
  requests: RequestStats[];
}

export interface RequestStats {
  scenario: string;
  tag: string;
  count: number;
  failed: number;
  codes: Record<string, number>;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/**
 * Derives the charts' series from the run record's samples, downsampled to
 * MAX_POINTS steps. Latency percentiles of a step come from the added
 * histograms of its buckets (never averaged percentiles); each sample's
 * histogram is decoded once.
 */
export function timeData(record: RunRecord, perRequest = false): TimeData {
  const interval = record.intervalMs;
  // A loop, not Math.min(...ts): spreading hundreds of thousands of samples overflows the stack.
  let first = Infinity;
  let last = -Infinity;
  for (const s of record.samples) {
    if (s.ts < first) first = s.ts;
    if (s.ts > last) last = s.ts;
  }
  const start = record.samples.length ? first : record.meta.startedAt;
  const lastSample = record.samples.length ? last + interval : start;
  const end = Math.max(lastSample, record.meta.endedAt ?? lastSample, start + interval);
  const buckets = Math.ceil((end - start) / interval);
  const factor = Math.max(1, Math.ceil(buckets / MAX_POINTS));
  const stepMs = interval * factor;
  const steps = Math.ceil((end - start) / stepMs);
  const idx = (t: number) => Math.min(steps - 1, Math.max(0, Math.floor((t - start) / stepMs)));
  const at = (i: number) => start + i * stepMs;

  const count = new Float64Array(steps);
  const c4 = new Float64Array(steps);
  const c5 = new Float64Array(steps);
  const net = new Float64Array(steps);
  const p50: Array<[number, number | null]> = [];
  const p95: Array<[number, number | null]> = [];
  const p99: Array<[number, number | null]> = [];
  const sorted = [...record.samples].sort((a, b) => a.ts - b.ts);
  const h = createLatencyHistogram();
  const tags = new Map<string, { stats: Omit<RequestStats, 'p50' | 'p95' | 'p99'>; hist: LatencyHistogram }>();
  try {
    let k = 0;
    for (let i = 0; i < steps; i++) {
      h.reset();
      while (k < sorted.length && idx((sorted[k] as (typeof sorted)[number]).ts) === i) {
        const s = sorted[k++] as (typeof sorted)[number];
        count[i] = (count[i] ?? 0) + s.count;
        c4[i] = (c4[i] ?? 0) + s.status['4xx'];
        c5[i] = (c5[i] ?? 0) + s.status['5xx'];
        net[i] = (net[i] ?? 0) + s.status.net + s.dropped;
        if (!s.latency) continue;
        const decoded = decodeRaw(s.latency);
        h.add(decoded);
        if (perRequest) {
          const key = `${s.scenario}\u0000${s.tag}`;
          let g = tags.get(key);
          if (!g)
            tags.set(
              key,
              (g = {
                stats: { scenario: s.scenario, tag: s.tag, count: 0, failed: 0, codes: {} },
                hist: createLatencyHistogram(),
              }),
            );
          g.stats.count += s.count;
          g.stats.failed += s.failed;
          for (const [c, n] of Object.entries(s.codes)) g.stats.codes[c] = (g.stats.codes[c] ?? 0) + n;
          g.hist.add(decoded);
        }
        decoded.destroy();
      }
      const t = at(i);
      const has = h.totalCount > 0;
      p50.push([t, has ? percentileMs(h, 50) : null]);
      p95.push([t, has ? percentileMs(h, 95) : null]);
      p99.push([t, has ? percentileMs(h, 99) : null]);
    }
  } finally {
    h.destroy();
  }
  const requests: RequestStats[] = [...tags.values()].map(({ stats, hist }) => {
    const has = hist.totalCount > 0;
    const out = {
      ...stats,
      p50: has ? percentileMs(hist, 50) : null,
      p95: has ? percentileMs(hist, 95) : null,
      p99: has ? percentileMs(hist, 99) : null,
    };
    hist.destroy();
    return out;
  });
  const perSec = (a: Float64Array): Array<[number, number | null]> =>
    Array.from(a, (v, i) => [at(i), v / (stepMs / 1000)]);

  // Target rate: the engine's intended arrival rate, summed over scenarios per step (averaged within a step).
  const targetSum = new Float64Array(steps);
  const targetN = new Float64Array(steps);
  let anyTarget = false;
  for (const e of record.engine) {
    if (e.targetRate === null) continue;
    anyTarget = true;
    const i = idx(e.ts);
    targetSum[i] = (targetSum[i] ?? 0) + e.targetRate;
  }
  // Each scenario contributes one engine sample per bucket: divide by buckets per step.
  for (let i = 0; i < steps; i++) targetN[i] = factor;
  // Sends and completions apart: a stalled server draws completions at 0 then a spike, while the engine
  // went on sending at its rate (the arrivals it started, by the second they started in).
  const sent = new Float64Array(steps);
  for (const e of record.engine) sent[idx(e.ts)] = (sent[idx(e.ts)] ?? 0) + e.started;
  const rate: Series[] = [
    ...(record.engine.length > 0 ? [{ name: 'sent/s', color: '#0891b2', points: perSec(sent) }] : []),
    { name: 'completed/s', color: '#2563eb', points: perSec(count) },
  ];
  if (anyTarget)
    rate.push({
      name: 'target req/s',
      color: '#6b7280',
      dashed: true,
      points: Array.from(targetSum, (v, i) => [at(i), v / (targetN[i] ?? 1)]),
    });

  return {
    start,
    end,
    stepMs,
    latency: [
      { name: 'p50', color: '#16a34a', points: p50 },
      { name: 'p95', color: '#d97706', points: p95 },
      { name: 'p99', color: '#dc2626', points: p99 },
    ],
    rate,
    errors: [
      { name: '4xx/s', color: '#d97706', points: perSec(c4) },
      { name: '5xx/s', color: '#dc2626', points: perSec(c5) },
      { name: 'no response/s', color: '#7c3aed', points: perSec(net) },
    ],
    requests,
    faults: faultWindows(record, end),
    markers: record.events
      .filter((e) => e.type.startsWith('process.') && e.type !== 'process.ready')
      .map((e) => ({ ts: e.ts, label: `${e.type}: ${e.label}` })),
  };
}

/** Fault windows from fault.injected/fault.removed events (paired by id, else label); drills' own windows otherwise. */
export function faultWindows(record: RunRecord, end: number): Span[] {
  const open = new Map<string, { label: string; start: number }>();
  const spans: Span[] = [];
  for (const e of record.events) {
    const key = e.id ?? e.label;
    if (e.type === 'fault.injected') open.set(key, { label: e.label, start: e.ts });
    else if (e.type === 'fault.removed') {
      const o = open.get(key);
      if (o) {
        spans.push({ label: o.label, start: o.start, end: e.ts });
        open.delete(key);
      }
    }
  }
  for (const o of open.values()) spans.push({ label: `${o.label} (not removed)`, start: o.start, end });
  if (spans.length === 0) {
    for (const d of record.drills)
      for (const f of d.faults) spans.push({ label: f.label, start: f.start, end: f.end ?? d.endedAt });
  }
  return spans.sort((a, b) => a.start - b.start);
}
