/**
 * k6 threshold syntax, parsed by hand: no maintained JavaScript library parses
 * k6 threshold expressions (k6 itself does it in Go), and the grammar is tiny:
 *
 *   key        := metric [ "{" tag ":" value { "," tag ":" value } "}" ]
 *   expression := aggregation op number        e.g. p(95)<200, rate<0.01, avg<=150
 *   aggregation:= p(N) | avg | min | max | med | rate | count
 *   op         := < | <= | > | >= | == | ===  | !=
 */
export const metricKinds = {
  http_req_duration: 'trend',
  http_req_failed: 'rate',
  checks: 'rate',
  http_reqs: 'counter',
  dropped_iterations: 'counter',
  late_requests: 'counter',
  /** k6's group_duration: each pass through a group (ms); judged over the run's MetricSinks. */
  group_duration: 'trend',
  /** k6's timing breakdown of each answered request (ms); judged over whole-run histograms. */
  http_req_blocked: 'trend',
  http_req_connecting: 'trend',
  http_req_tls_handshaking: 'trend',
  http_req_sending: 'trend',
  http_req_waiting: 'trend',
  http_req_receiving: 'trend',
} as const;
export type MetricName = keyof typeof metricKinds;
export type MetricKind = (typeof metricKinds)[MetricName] | 'gauge';
/** A suite's own metrics (k6's custom Trend/Counter/Rate/Gauge) by name: thresholds may name them too. */
export type CustomMetricKinds = Readonly<Record<string, MetricKind>>;

const aggregationsByKind: Record<MetricKind, readonly string[]> = {
  trend: ['p', 'avg', 'min', 'max', 'med'],
  rate: ['rate'],
  counter: ['count', 'rate'],
  gauge: ['value'],
};

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface ThresholdKey {
  /** A built-in metric (MetricName) or one of the suite's own. */
  metric: string;
  /** The tag filter as written ("name:GET /v1/feed"), or undefined. */
  filter?: string;
  /** name: the request tag; scenario: the scenario; another key: a scenario tag (k6's scenario `tags`). */
  tag?: { key: string; value: string };
  /**
   * The filter's other pairs (k6's `{scenario:checkout,group:::pay}`): each names the scenario or one of its
   * tags, so a threshold holds for the requests of `tag` in a scenario that has them all.
   */
  also?: Array<{ key: string; value: string }>;
}

export interface ThresholdExpression {
  source: string;
  aggregation: 'p' | 'avg' | 'min' | 'max' | 'med' | 'rate' | 'count' | 'value';
  /** For p(N). */
  percentile?: number;
  op: Operator;
  value: number;
}

export interface ParsedThreshold extends ThresholdKey, ThresholdExpression {
  abortOnFail: boolean;
  /** Milliseconds into the run before abortOnFail is considered. */
  delayAbortEvalMs: number;
}

/** Thrown by the parser; the scenario schema turns it into a zod issue at the right path. */
export class ThresholdSyntaxError extends Error {}
/** A metric neither built in nor among the suite's own (the scenario checks it against its `metrics`). */
export class UnknownMetricError extends ThresholdSyntaxError {}

/** The tag keys that pick requests within a scenario; every other key (scenario, a scenario tag) picks scenarios. */
const REQUEST_TAG_KEYS = new Set(['name', 'group']);

export function parseThresholdKey(key: string, custom: CustomMetricKinds = {}): ThresholdKey {
  // The filter runs to the key's last "}", so a request tag may hold braces: http_req_duration{name:GET /v1/posts/{id}}.
  const m = /^([a-z_][a-z0-9_]*)(?:\{(.*)\})?$/is.exec(key.trim());
  if (!m || (m[2] !== undefined && !/^[^:{}]+:/.test(m[2])))
    throw new ThresholdSyntaxError(
      `"${key}" is not a metric name like http_req_duration or http_req_duration{name:GET /v1/feed}`,
    );
  const metric = m[1] as string;
  if (!(metric in metricKinds) && !(metric in custom)) {
    const own = Object.keys(custom);
    throw new UnknownMetricError(
      `unknown metric "${metric}"; use one of ${Object.keys(metricKinds).join(', ')}${own.length > 0 ? `, or the scenario's own ${own.join(', ')}` : ", or declare it in the scenario's metrics"}`,
    );
  }
  if (m[2] === undefined) return { metric };
  // Pairs are separated by commas, as k6 separates them; a comma that is not followed by `key:` stays in the
  // value before it (k6 would split there too and find no such tag: a name holding ", x:" is the one difference).
  const pairs = (m[2] as string).split(/,(?=\s*[A-Za-z_][A-Za-z0-9_]*\s*:)/).map((kv) => {
    const colon = kv.indexOf(':');
    const tagKey = kv.slice(0, colon).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tagKey)) {
      throw new ThresholdSyntaxError(
        `unsupported tag filter "${tagKey}" in "${key}"; use {name:<request tag>}, {group:<::group path>}, {scenario:<name>} or {<scenario tag>:<value>}, several separated by commas`,
      );
    }
    return { written: tagKey, key: tagKey === 'tag' ? 'name' : tagKey, value: kv.slice(colon + 1).trim() };
  });
  const keys = pairs.map((p) => p.key);
  const twice = keys.find((k, i) => keys.indexOf(k) !== i);
  if (twice !== undefined) throw new ThresholdSyntaxError(`"${key}" names the tag ${twice} twice; name it once`);
  const requestTags = pairs.filter((p) => REQUEST_TAG_KEYS.has(p.key));
  if (requestTags.length > 1) {
    throw new ThresholdSyntaxError(
      `"${key}" filters on both name and group: rampart keeps a request's name and its group apart, so judge them in two thresholds (${metric}{name:…} and ${metric}{group:…}), or tag the group's request with its own name`,
    );
  }
  const first = requestTags[0] ?? (pairs[0] as (typeof pairs)[number]);
  const also = pairs.filter((p) => p !== first).map(({ key, value }) => ({ key, value }));
  return {
    metric,
    filter: pairs.map((p) => `${p.written}:${p.value}`).join(','),
    tag: { key: first.key, value: first.value },
    ...(also.length > 0 ? { also } : {}),
  };
}

export function parseThresholdExpression(
  source: string,
  metric: string,
  custom: CustomMetricKinds = {},
): ThresholdExpression {
  const m =
    /^\s*(p\(\s*(\d+(?:\.\d+)?)\s*\)|avg|min|max|med|rate|count|value)\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i.exec(
      source,
    );
  if (!m) throw new ThresholdSyntaxError(`"${source}" is not a threshold expression like p(95)<200 or rate<0.01`);
  const aggregation = (m[1] as string).startsWith('p(') ? 'p' : (m[1] as ThresholdExpression['aggregation']);
  const kind = (metricKinds as Record<string, MetricKind>)[metric] ?? custom[metric] ?? 'trend';
  if (!aggregationsByKind[kind].includes(aggregation)) {
    throw new ThresholdSyntaxError(
      `"${source}": ${metric} is a ${kind} metric; use ${aggregationsByKind[kind].map((a) => (a === 'p' ? 'p(N)' : a)).join(', ')}`,
    );
  }
  const percentile = aggregation === 'p' ? Number(m[2]) : undefined;
  if (percentile !== undefined && (percentile < 0 || percentile > 100))
    throw new ThresholdSyntaxError(`"${source}": percentile must be 0-100`);
  const op = (m[3] === '===' ? '==' : m[3]) as Operator;
  const out: ThresholdExpression = { source: source.trim(), aggregation, op, value: Number(m[4]) };
  if (percentile !== undefined) out.percentile = percentile;
  return out;
}

export function compare(observed: number, op: Operator, limit: number): boolean {
  switch (op) {
    case '<':
      return observed < limit;
    case '<=':
      return observed <= limit;
    case '>':
      return observed > limit;
    case '>=':
      return observed >= limit;
    case '==':
      return observed === limit;
    case '!=':
      return observed !== limit;
  }
}

export type ThresholdSpec = Record<
  string,
  Array<string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string | number }>
>;

/** Parses a whole k6 `thresholds` object; `parseDelay` turns delayAbortEval into ms. */
export function parseThresholds(
  spec: ThresholdSpec,
  parseDelay: (d: string | number) => number,
  custom: CustomMetricKinds = {},
): ParsedThreshold[] {
  const out: ParsedThreshold[] = [];
  for (const [key, list] of Object.entries(spec)) {
    const k = parseThresholdKey(key, custom);
    for (const item of list) {
      const obj = typeof item === 'string' ? { threshold: item } : item;
      const expr = parseThresholdExpression(obj.threshold, k.metric, custom);
      out.push({
        ...k,
        ...expr,
        abortOnFail: obj.abortOnFail ?? false,
        delayAbortEvalMs: obj.delayAbortEval === undefined ? 0 : parseDelay(obj.delayAbortEval),
      });
    }
  }
  return out;
}
