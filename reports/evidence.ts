import type { RunRecord, Sample, StatusClasses } from './run-record.ts';

/** Which samples an objective reads. */
export interface Selection {
  scenario?: string | undefined;
  tag?: string | undefined;
  /** Epoch ms bounds: a sample counts when its bucket overlaps [from, to). */
  from?: number | undefined;
  to?: number | undefined;
}

/** All tags of one time bucket added together. */
export interface Bucket {
  ts: number;
  /** Requests that completed plus requests the engine dropped. */
  total: number;
  /** Failed requests (k6's http_req_failed) plus dropped ones. */
  bad: number;
  status: StatusClasses;
  latency: string[];
}

export function selectSamples(record: RunRecord, sel: Selection): Sample[] {
  const width = record.intervalMs;
  return record.samples.filter(
    (s) =>
      (sel.scenario === undefined || s.scenario === sel.scenario) &&
      (sel.tag === undefined || s.tag === sel.tag) &&
      (sel.from === undefined || s.ts + width > sel.from) &&
      (sel.to === undefined || s.ts < sel.to),
  );
}

export const emptyStatus = (): StatusClasses => ({ '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, net: 0 });

/** Groups samples by bucket start, sorted by time. */
export function toBuckets(samples: readonly Sample[]): Bucket[] {
  const byTs = new Map<number, Bucket>();
  for (const s of samples) {
    let b = byTs.get(s.ts);
    if (!b) {
      b = { ts: s.ts, total: 0, bad: 0, status: emptyStatus(), latency: [] };
      byTs.set(s.ts, b);
    }
    b.total += s.count + s.dropped;
    b.bad += s.failed + s.dropped;
    for (const k of Object.keys(b.status) as (keyof StatusClasses)[]) b.status[k] += s.status[k];
    b.latency.push(s.latency);
  }
  return [...byTs.values()].sort((a, b) => a.ts - b.ts);
}

export function describeSelection(sel: Selection): string {
  const parts: string[] = [];
  if (sel.scenario !== undefined) parts.push(`scenario=${sel.scenario}`);
  if (sel.tag !== undefined) parts.push(`tag=${sel.tag}`);
  if (sel.from !== undefined && sel.to !== undefined)
    parts.push(`${new Date(sel.from).toISOString()}..${new Date(sel.to).toISOString()}`);
  return `samples[${parts.join(', ') || 'all'}]`;
}

export function sumRatio(buckets: readonly Bucket[]): { total: number; bad: number } {
  let total = 0;
  let bad = 0;
  for (const b of buckets) {
    total += b.total;
    bad += b.bad;
  }
  return { total, bad };
}
