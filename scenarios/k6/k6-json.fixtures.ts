/**
 * Lines in the format `k6 run --out json=FILE` writes (k6 v0.4x-v1.x field order), for tests of what no
 * real file in fixtures/real/ shows: a warm-up scenario, custom metrics of every type, abortOnFail objects.
 */
type Thresholds = Array<string | { threshold: string; abortOnFail: boolean; delayAbortEval: string | null }>;

export function metricLine(
  name: string,
  type: 'trend' | 'rate' | 'counter' | 'gauge',
  thresholds: Thresholds = [],
  contains = type === 'trend' ? 'time' : 'default',
): string {
  return JSON.stringify({ type: 'Metric', data: { name, type, contains, thresholds, submetrics: null }, metric: name });
}

export function pointLine(metric: string, t: number, value: number, tags: Record<string, string> = {}): string {
  return JSON.stringify({ metric, type: 'Point', data: { time: new Date(t).toISOString(), value, tags } });
}

/** The lines k6 writes for one HTTP request: http_reqs, http_req_duration, http_req_failed with the request's tags. */
export function requestLines(
  t: number,
  ms: number,
  o: { scenario?: string; group?: string; name?: string; status?: number; ok?: boolean } = {},
): string[] {
  const status = o.status ?? 200;
  const tags: Record<string, string> = {
    expected_response: String(o.ok ?? status < 400),
    group: o.group ?? '',
    method: 'GET',
    name: o.name ?? 'GET /x',
    proto: 'HTTP/1.1',
    ...(o.scenario !== undefined ? { scenario: o.scenario } : {}),
    status: String(status),
    url: 'http://127.0.0.1:3000/x',
  };
  return [
    pointLine('http_reqs', t, 1, tags),
    pointLine('http_req_duration', t, ms, tags),
    pointLine('http_req_failed', t, tags.expected_response === 'true' ? 0 : 1, tags),
  ];
}

/** Metric lines for the built-in HTTP metrics, with the thresholds given per metric. */
export function httpMetricLines(thresholds: Record<string, Thresholds> = {}): string[] {
  return [
    metricLine('http_reqs', 'counter', thresholds.http_reqs),
    metricLine('http_req_duration', 'trend', thresholds.http_req_duration),
    metricLine('http_req_failed', 'rate', thresholds.http_req_failed),
  ];
}

/** k6's percentile, written again from its documentation (linear interpolation between the closest ranks), for expected values. */
export function k6PercentileOf(values: readonly number[], pct: number): number {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return 0;
  if (v.length === 1) return v[0] as number;
  const rank = (pct / 100) * (v.length - 1);
  const lo = v[Math.floor(rank)] as number;
  const hi = v[Math.ceil(rank)] as number;
  return lo + (hi - lo) * (rank - Math.floor(rank));
}
