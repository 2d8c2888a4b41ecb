import {
  createLatencyHistogram,
  emptyWindowStats,
  percentileMs,
  recordMs,
  type WindowStats,
} from '../../reports/index.ts';
import type { Metric, Objective, Observation } from './types.ts';

/** A drill's groups of request tags (read: […], write: […]). */
export type Groups = Readonly<Record<string, readonly string[]>>;

/** Whether a request of this name counts under `tag`: all, one of the groups, or the request tag itself. */
export function tagMatcher(groups: Groups, tag: string): (name: string) => boolean {
  if (tag === 'all') return () => true;
  const names = new Set(groups[tag] ?? [tag]);
  return (name) => names.has(name);
}

export interface Window {
  start: number;
  end: number;
}

export function inWindow(obs: readonly Observation[], w: Window, tag: string, groups: Groups = {}): Observation[] {
  const counts = tagMatcher(groups, tag);
  return obs.filter((o) => o.ts >= w.start && o.ts < w.end && counts(o.name));
}

const isServerError = (o: Observation) => o.status === 0 || o.status >= 500;

/**
 * What the requests that completed in [start, end) add up to, in the form
 * reports/ judges windows in (judgeWindow): the live twin of
 * windowStatsFromSamples. Like the engine's samples it counts a request when it
 * completed (a dropped arrival at its intended time), so a stop condition and
 * the steady-state check see what the run record will hold.
 */
export function windowStatsFromObservations(
  obs: readonly Observation[],
  w: Window,
  tag: string,
  groups: Groups = {},
): WindowStats {
  const stats = emptyWindowStats();
  const counts = tagMatcher(groups, tag);
  for (const o of obs) {
    const done = o.ts + o.latencyMs;
    if (done < w.start || done >= w.end || !counts(o.name)) continue;
    stats.count += 1;
    if (o.status >= 200 && o.status < 300) stats.ok2xx += 1;
    if (isServerError(o)) stats.serverErrors += 1;
    if (o.timedOut) stats.timeouts += 1;
    if (o.status === 503 && o.retryAfter) stats.retryAfter503 += 1;
    if (o.attempts > 0) recordMs(stats.hist, o.latencyMs);
  }
  return stats;
}

/** The metric's value over these observations; null when there is nothing to measure. */
export function measure(obs: readonly Observation[], metric: Metric): number | null {
  if (metric === 'timeouts') return obs.filter((o) => o.timedOut).length;
  if (obs.length === 0) return null;
  switch (metric) {
    case 'availability':
      return obs.filter((o) => !isServerError(o)).length / obs.length;
    case 'success':
      return obs.filter((o) => o.status >= 200 && o.status < 300).length / obs.length;
    case 'fastFail': {
      const failed = obs.filter(isServerError);
      return failed.length === 0 ? 1 : failed.filter((o) => o.status === 503 && o.retryAfter).length / failed.length;
    }
    case 'max':
      return Math.max(...obs.map((o) => o.latencyMs));
    default: {
      const h = createLatencyHistogram();
      for (const o of obs) recordMs(h, o.latencyMs);
      const p = metric === 'p50' ? 50 : metric === 'p95' ? 95 : 99;
      const v = percentileMs(h, p);
      h.destroy();
      return v;
    }
  }
}

export interface ObjectiveResult {
  name: string;
  ok: boolean;
  detail: string;
  value: number | null;
}

const fmt = (metric: Metric, v: number) =>
  metric === 'availability' || metric === 'success' || metric === 'fastFail'
    ? `${(v * 100).toFixed(2)} %`
    : metric === 'timeouts'
      ? String(v)
      : `${v.toFixed(0)} ms`;

/** "GET /v1/feed 500×3, POST /v1/posts no answer×1": what failed, for the report. */
function failureBreakdown(obs: readonly Observation[]): string {
  const counts = new Map<string, number>();
  for (const o of obs) {
    if (o.status >= 200 && o.status < 500) continue;
    const key = `${o.name} ${o.status === 0 ? (o.timedOut ? 'timeout' : 'no answer') : o.status}${o.status === 503 && !o.retryAfter ? ' (no Retry-After)' : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k}×${n}`).join(', ') || 'none';
}

/** Checks one objective on a window. An empty window passes only for counts (there was nothing to fail). */
export function check(
  obs: readonly Observation[],
  w: Window,
  objective: Objective,
  groups: Groups = {},
): ObjectiveResult {
  const selected = inWindow(obs, w, objective.tag, groups);
  const value = measure(selected, objective.metric);
  const bound = `${objective.op} ${fmt(objective.metric, objective.value)}`;
  if (value === null) {
    return {
      name: objective.name,
      ok: false,
      value,
      detail: `no ${objective.tag} requests in the window to measure (${bound})`,
    };
  }
  const ok = objective.op === '<=' ? value <= objective.value : value >= objective.value;
  let detail = `${fmt(objective.metric, value)} (${bound}) over ${selected.length} requests`;
  if (
    !ok &&
    (objective.metric === 'availability' || objective.metric === 'success' || objective.metric === 'fastFail')
  ) {
    detail += `; failures: ${failureBreakdown(selected)}`;
  }
  return { name: objective.name, ok, value, detail };
}

/**
 * Seconds from `from` until the objectives hold on every 1 s bucket of a
 * 2 s sliding window (with at least one request per tag measured); null if never before `until`.
 */
export function recoverySeconds(
  obs: readonly Observation[],
  objectives: readonly Objective[],
  from: number,
  until: number,
  groups: Groups = {},
): number | null {
  for (let t = from; t + 2000 <= until; t += 250) {
    const w = { start: t, end: t + 2000 };
    if (objectives.every((o) => check(obs, w, o, groups).ok)) return Math.round((t - from) / 100) / 10;
  }
  return null;
}

/** [start, end) shrunk to whole seconds: the sample buckets a window of the run record covers completely. */
export function alignedWindow(start: number, end: number): Window {
  const s = Math.ceil(start / 1000) * 1000;
  return { start: s, end: Math.max(s, Math.floor(end / 1000) * 1000) };
}
