/**
 * k6's thresholds, judged as k6 judges them at the end of a test (k6 v1.x metrics/thresholds.go,
 * metrics/sink.go, internal/metrics/engine/engine.go), over points read back from `--out json`:
 *
 * - a key is `metric` or `metric{tag:value,tag2:value2}`: the sub-metric holds the points whose tags
 *   contain every pair (values trimmed of spaces and quotes, as k6's Metric.AddSubmetric);
 * - an expression is `aggregation op number`, scanned for the first of <= < >= > === == != (k6's order);
 * - the sinks: Trend min, max, avg, med and p(N) with k6's percentile — linear interpolation between
 *   the ranks floor(i) and ceil(i) of the sorted values, i = N/100 × (count − 1); Rate `rate` = non-zero
 *   points / points, absent (so the threshold passes) when there are none; Counter `count` and `rate` =
 *   count / test duration; Gauge `value` = the last value;
 * - at the end of a test an empty sink is judged too: a Trend reads 0 everywhere, a Counter 0, a
 *   Gauge 0 (k6 skips empty sinks only while the test runs).
 */

export type K6MetricType = 'trend' | 'rate' | 'counter' | 'gauge';

const aggregationsByType: Record<K6MetricType, readonly string[]> = {
  counter: ['count', 'rate'],
  gauge: ['value'],
  rate: ['rate'],
  trend: ['avg', 'min', 'max', 'med', 'p'],
};

/** k6's built-in metrics and their types (k6 metrics/builtin.go), for thresholds given without a Metric line to name the type. */
export const k6BuiltinTypes: Record<string, K6MetricType> = {
  vus: 'gauge',
  vus_max: 'gauge',
  iterations: 'counter',
  iteration_duration: 'trend',
  dropped_iterations: 'counter',
  data_received: 'counter',
  data_sent: 'counter',
  checks: 'rate',
  group_duration: 'trend',
  http_reqs: 'counter',
  http_req_failed: 'rate',
  http_req_duration: 'trend',
  http_req_blocked: 'trend',
  http_req_connecting: 'trend',
  http_req_tls_handshaking: 'trend',
  http_req_sending: 'trend',
  http_req_waiting: 'trend',
  http_req_receiving: 'trend',
  ws_connecting: 'trend',
  ws_session_duration: 'trend',
  ws_sessions: 'counter',
  ws_ping: 'trend',
  ws_msgs_sent: 'counter',
  ws_msgs_received: 'counter',
  grpc_req_duration: 'trend',
  grpc_streams: 'counter',
  grpc_streams_msgs_sent: 'counter',
  grpc_streams_msgs_received: 'counter',
};

export type K6Operator = '<=' | '<' | '>=' | '>' | '===' | '==' | '!=';
const operators: readonly K6Operator[] = ['<=', '<', '>=', '>', '===', '==', '!='];

export interface K6Expression {
  source: string;
  /** count, rate, value, avg, min, max, med, or p. */
  aggregation: string;
  /** For p(N): N. */
  percentile?: number;
  op: K6Operator;
  value: number;
}

export interface K6Key {
  metric: string;
  /** The tags of the sub-metric, empty for the whole metric. */
  tags: Record<string, string>;
  /** As written between the braces ("name:GET /x"), absent for the whole metric. */
  filter?: string;
}

export class K6ThresholdSyntaxError extends Error {}

/** Splits "http_req_duration{name:GET /x,status:200}" as k6's MetricsEngine.getThresholdMetricOrSubmetric does. */
export function parseK6Key(key: string): K6Key {
  const brace = key.indexOf('{');
  const metric = (brace < 0 ? key : key.slice(0, brace)).trim();
  if (metric === '') throw new K6ThresholdSyntaxError(`"${key}" names no metric`);
  if (brace < 0) return { metric, tags: {} };
  if (!key.trimEnd().endsWith('}'))
    throw new K6ThresholdSyntaxError(
      `"${key}": missing ending bracket, sub-metric format needs to be 'metric{key:value}'`,
    );
  const inner = key.trimEnd().slice(brace + 1, -1);
  if (inner.trim() === '') throw new K6ThresholdSyntaxError(`"${key}": sub-metric criteria cannot be empty`);
  const tags: Record<string, string> = {};
  for (const kv of inner.split(',')) {
    if (kv === '') continue;
    const colon = kv.indexOf(':');
    const k = (colon < 0 ? kv : kv.slice(0, colon)).trim().replace(/^["']+|["']+$/g, '');
    const v =
      colon < 0
        ? ''
        : kv
            .slice(colon + 1)
            .trim()
            .replace(/^["']+|["']+$/g, '');
    tags[k] = v;
  }
  return { metric, tags, filter: inner };
}

/** Parses "p(95)<200" as k6's parseThresholdExpression does. */
export function parseK6Expression(source: string): K6Expression {
  for (const op of operators) {
    const at = source.indexOf(op);
    if (at < 0 || source.slice(at + op.length) === '') continue;
    const left = source.slice(0, at).trim();
    const right = source.slice(at + op.length).trim();
    const value = Number(right);
    if (right === '' || !Number.isFinite(value))
      throw new K6ThresholdSyntaxError(`"${source}": "${right}" is not a number`);
    if (['value', 'count', 'rate', 'avg', 'min', 'med', 'max'].includes(left))
      return { source, aggregation: left, op, value };
    const p = /^p\((.*)\)$/.exec(left);
    const n = p ? Number((p[1] as string).trim()) : Number.NaN;
    if (!p || !Number.isFinite(n) || n < 0 || n > 100)
      throw new K6ThresholdSyntaxError(
        `"${source}": "${left}" is not an aggregation (count, rate, value, avg, min, med, max, p(N))`,
      );
    return { source, aggregation: 'p', percentile: n, op, value };
  }
  throw new K6ThresholdSyntaxError(
    `"${source}": malformed threshold expression (use aggregation, operator, number: p(95)<200)`,
  );
}

export function supports(type: K6MetricType, aggregation: string): boolean {
  return aggregationsByType[type].includes(aggregation);
}

export function supportedText(type: K6MetricType): string {
  return aggregationsByType[type].map((a) => (a === 'p' ? 'p(N)' : a)).join(', ');
}

/** What one (sub-)metric's points fold into, as k6's sinks. */
export interface K6Sink {
  type: K6MetricType;
  /** Points folded in. */
  count: number;
  /** Trend: every value (sorted on first percentile); Counter: unused. */
  values: number[];
  sum: number;
  min: number;
  max: number;
  /** Rate: points whose value is not 0. */
  trues: number;
  /** Gauge: the last value and its time. */
  last: number;
  lastTime: number;
  sorted: boolean;
}

export function emptySink(type: K6MetricType): K6Sink {
  return { type, count: 0, values: [], sum: 0, min: 0, max: 0, trues: 0, last: 0, lastTime: -Infinity, sorted: true };
}

export function addToSink(s: K6Sink, value: number, time: number): void {
  if (s.count === 0) {
    s.min = value;
    s.max = value;
  } else {
    if (value > s.max) s.max = value;
    if (value < s.min) s.min = value;
  }
  s.count += 1;
  s.sum += value;
  if (s.type === 'trend') {
    s.values.push(value);
    s.sorted = false;
  }
  if (value !== 0) s.trues += 1;
  if (time >= s.lastTime) {
    s.last = value;
    s.lastTime = time;
  }
}

/** k6's TrendSink.P: linear interpolation between the ranks around pct × (count − 1). */
export function k6Percentile(s: K6Sink, pct: number): number {
  if (s.count === 0) return 0;
  if (s.count === 1) return s.values[0] as number;
  if (!s.sorted) {
    s.values.sort((a, b) => a - b);
    s.sorted = true;
  }
  const i = pct * (s.count - 1);
  const j = s.values[Math.floor(i)] as number;
  const k = s.values[Math.ceil(i)] as number;
  return j + (k - j) * (i - Math.floor(i));
}

/** The sink value an aggregation reads; undefined when k6's sink has no entry for it (a Rate with no points). */
export function sinkValue(s: K6Sink, e: K6Expression, durationSeconds: number): number | undefined {
  switch (e.aggregation) {
    case 'count':
      return s.sum;
    case 'rate':
      if (s.type === 'rate') return s.count > 0 ? s.trues / s.count : undefined;
      return durationSeconds > 0 ? s.sum / durationSeconds : undefined;
    case 'value':
      return s.count > 0 ? s.last : 0;
    case 'avg':
      return s.count > 0 ? s.sum / s.count : 0;
    case 'min':
      return s.min;
    case 'max':
      return s.max;
    case 'med':
      return k6Percentile(s, 0.5);
    case 'p':
      return k6Percentile(s, (e.percentile as number) / 100);
    default:
      return undefined;
  }
}

/** k6's Threshold.runNoTaint: a missing sink entry passes. */
export function k6Passes(e: K6Expression, lhs: number | undefined): boolean {
  if (lhs === undefined) return true;
  switch (e.op) {
    case '>':
      return lhs > e.value;
    case '>=':
      return lhs >= e.value;
    case '<=':
      return lhs <= e.value;
    case '<':
      return lhs < e.value;
    case '==':
    case '===':
      return lhs === e.value;
    case '!=':
      return lhs !== e.value;
  }
}

/** Whether a point's tags hold every pair of the sub-metric (k6's TagSet.Contains). */
export function tagsContain(tags: Record<string, string>, want: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(want)) if (tags[k] !== v) return false;
  return true;
}
