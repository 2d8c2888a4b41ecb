import { createLatencyHistogram, recordMs, type LatencyHistogram, type StatusClasses } from '../../reports/index.ts';

/** Counts and a latency histogram for one tag over some time (a 1 s bucket, a window, the whole run). */
export interface Stats {
  count: number;
  failed: number;
  status: StatusClasses;
  checksPassed: number;
  checksFailed: number;
  late: number;
  dropped: number;
  /** Exact outcomes: status codes ("200", "429") and error kinds ("timeout", "refused", "reset", "other", "template", "dropped"). */
  codes: Record<string, number>;
  retryAfter503: number;
  hist: LatencyHistogram;
}

export function emptyStats(): Stats {
  return {
    count: 0,
    failed: 0,
    status: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, net: 0 },
    checksPassed: 0,
    checksFailed: 0,
    late: 0,
    dropped: 0,
    codes: {},
    retryAfter503: 0,
    hist: createLatencyHistogram(),
  };
}

export interface Outcome {
  tag: string;
  /** Latency in ms: from the intended start (open model) or the actual send (closed model). */
  latencyMs: number;
  /** HTTP status, or null when no response arrived. */
  status: number | null;
  /** Why no response arrived ('timeout', 'refused', 'reset', 'other', or 'template': the request could not be rendered). */
  errorKind?: string | null;
  /** A 503 that carried Retry-After. */
  retryAfter503?: boolean;
  failed: boolean;
  checksPassed: number;
  checksFailed: number;
  late: boolean;
  /** k6's group path ("::checkout") of the step, null or absent outside any group. */
  group?: string | null;
}

export function statusClass(status: number | null): keyof StatusClasses {
  if (status === null) return 'net';
  if (status < 200) return '1xx';
  if (status < 300) return '2xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  return '5xx';
}

const bump = (codes: Record<string, number>, key: string, by = 1) => {
  codes[key] = (codes[key] ?? 0) + by;
};

/** Status codes as the keys of `codes`, made once each rather than a new string per response. */
const codeKeys = Array.from({ length: 600 }, (_, i) => String(i));
const codeKey = (status: number) => codeKeys[status] ?? String(status);

export function addOutcome(s: Stats, o: Outcome): void {
  s.count += 1;
  bump(s.codes, o.status === null ? (o.errorKind ?? 'other') : codeKey(o.status));
  if (o.retryAfter503) s.retryAfter503 += 1;
  if (o.failed) s.failed += 1;
  s.status[statusClass(o.status)] += 1;
  s.checksPassed += o.checksPassed;
  s.checksFailed += o.checksFailed;
  if (o.late) s.late += 1;
  // A request that could not be rendered (errorKind template) was never sent: a failed request, never a latency.
  if (o.errorKind !== 'template') recordMs(s.hist, o.latencyMs);
}

/** A dropped request was never sent: it counts as a request and as failed, with no latency. */
export function addDropped(s: Stats): void {
  s.count += 1;
  s.failed += 1;
  s.dropped += 1;
  s.status.net += 1;
  bump(s.codes, 'dropped');
}

function combine(into: Stats, from: Stats, sign: 1 | -1): void {
  into.count += sign * from.count;
  into.failed += sign * from.failed;
  for (const k of Object.keys(into.status) as Array<keyof StatusClasses>) into.status[k] += sign * from.status[k];
  into.checksPassed += sign * from.checksPassed;
  into.checksFailed += sign * from.checksFailed;
  into.late += sign * from.late;
  into.dropped += sign * from.dropped;
  into.retryAfter503 += sign * from.retryAfter503;
  for (const [k, n] of Object.entries(from.codes)) bump(into.codes, k, sign * n);
  if (from.hist.totalCount > 0) {
    if (sign === 1) into.hist.add(from.hist);
    else into.hist.subtract(from.hist);
  }
}

export const addStats = (into: Stats, from: Stats) => combine(into, from, 1);
export const subtractStats = (into: Stats, from: Stats) => combine(into, from, -1);
