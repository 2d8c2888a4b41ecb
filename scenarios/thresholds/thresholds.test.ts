import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../common/index.ts';
import { Aggregator } from '../metrics/aggregator.ts';
import { parseThresholdExpression, parseThresholdKey, parseThresholds, ThresholdSyntaxError } from './parse.ts';

const T0 = 1_700_000_000_000;

/** Feeds `seconds` of synthetic outcomes (100/s) into an aggregator, flushing each second like the engine. */
function feed(
  agg: Aggregator,
  seconds: number,
  latencyAt: (s: number) => number,
  failedAt: (s: number) => boolean = () => false,
) {
  let abortAt: number | null = null;
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < 100; i++) {
      agg.record(
        {
          tag: s % 2 ? 'GET /v1/feed' : 'POST /v1/posts',
          latencyMs: latencyAt(s),
          status: failedAt(s) ? 500 : 200,
          failed: failedAt(s),
          checksPassed: 1,
          checksFailed: 0,
          late: false,
        },
        T0 + s * 1000 + i * 10,
      );
    }
    const abort = agg.flush(T0 + (s + 1) * 1000);
    if (abort && abortAt === null) abortAt = s;
  }
  agg.flush(T0 + seconds * 1000, true);
  return abortAt;
}

describe('k6 threshold syntax', () => {
  it('parses metric keys with tag filters and expressions', () => {
    expect(parseThresholdKey('http_req_duration{name:GET /v1/feed}')).toEqual({
      metric: 'http_req_duration',
      filter: 'name:GET /v1/feed',
      tag: { key: 'name', value: 'GET /v1/feed' },
    });
    // A request tag named after its route keeps the route's braces.
    expect(parseThresholdKey('http_req_duration{name:GET /v1/posts/{id}}')).toEqual({
      metric: 'http_req_duration',
      filter: 'name:GET /v1/posts/{id}',
      tag: { key: 'name', value: 'GET /v1/posts/{id}' },
    });
    expect(() => parseThresholdKey('http_req_duration{name:GET /v1/feed')).toThrow(ThresholdSyntaxError);
    // Several pairs, as k6 writes them: the request tag picks requests, the others the scenario.
    expect(parseThresholdKey('http_req_duration{scenario:g, group:::checkout}')).toEqual({
      metric: 'http_req_duration',
      filter: 'scenario:g,group:::checkout',
      tag: { key: 'group', value: '::checkout' },
      also: [{ key: 'scenario', value: 'g' }],
    });
    expect(parseThresholdKey('http_req_duration{name:GET /v1/posts/{id},tier:gold}')).toMatchObject({
      tag: { key: 'name', value: 'GET /v1/posts/{id}' },
      also: [{ key: 'tier', value: 'gold' }],
    });
    // A comma inside a value that is not followed by another key: stays in the value.
    expect(parseThresholdKey('http_req_duration{name:GET /search?q=a,b}').tag).toEqual({
      key: 'name',
      value: 'GET /search?q=a,b',
    });
    expect(() => parseThresholdKey('http_req_duration{name:x,group:::g}')).toThrow(
      /both name and group.*two thresholds/,
    );
    expect(() => parseThresholdKey('http_req_duration{scenario:a,scenario:b}')).toThrow(/names the tag scenario twice/);
    expect(parseThresholdExpression('p(99.9) <= 500', 'http_req_duration')).toMatchObject({
      aggregation: 'p',
      percentile: 99.9,
      op: '<=',
      value: 500,
    });
    expect(parseThresholdExpression('rate<0.01', 'http_req_failed')).toMatchObject({
      aggregation: 'rate',
      op: '<',
      value: 0.01,
    });
    expect(parseThresholdExpression('count>=10', 'http_reqs')).toMatchObject({
      aggregation: 'count',
      op: '>=',
      value: 10,
    });
    const parsed = parseThresholds(
      { checks: [{ threshold: 'rate>0.99', abortOnFail: true, delayAbortEval: '10s' }] },
      (d) => parseDuration(d),
    );
    expect(parsed[0]).toMatchObject({ metric: 'checks', abortOnFail: true, delayAbortEvalMs: 10_000 });
  });

  it('rejects unknown metrics, aggregations that do not fit the metric, and garbage', () => {
    expect(() => parseThresholdKey('http_req_latency')).toThrow(ThresholdSyntaxError);
    expect(() => parseThresholdKey('http_req_duration{status code:200}')).toThrow(/unsupported tag filter/);
    expect(parseThresholdKey('http_req_duration{team:feeds}')).toMatchObject({ tag: { key: 'team', value: 'feeds' } }); // a scenario tag
    expect(() => parseThresholdExpression('p(95)<200', 'http_req_failed')).toThrow(/rate metric/);
    expect(() => parseThresholdExpression('rate<0.01', 'http_req_duration')).toThrow(/trend metric/);
    expect(() => parseThresholdExpression('p95 < 200', 'http_req_duration')).toThrow(/not a threshold expression/);
  });
});

describe('threshold evaluation', () => {
  it('passes a steady run over the whole run and every window', () => {
    const agg = new Aggregator(
      's',
      parseThresholds(
        { http_req_duration: ['p(95)<200'], http_req_failed: ['rate<0.01'], checks: ['rate>0.99'] },
        parseDuration,
      ),
      [10, 60],
      T0,
    );
    feed(agg, 70, () => 10);
    const results = agg.results(70_000);
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(results[0]?.value).toBeCloseTo(10, 0);
  });

  it('fails a run that breaches for a while mid-run even though its whole-run value passes', () => {
    const agg = new Aggregator('s', parseThresholds({ http_req_duration: ['p(95)<200'] }, parseDuration), [10, 60], T0);
    // 5 slow seconds out of 120: 4 % of requests, so the whole-run p95 is fast.
    feed(agg, 120, (s) => (s >= 50 && s < 55 ? 400 : 10));
    const [r] = agg.results(120_000);
    expect(r?.ok).toBe(false);
    expect(r?.window?.seconds).toBe(10);
    expect(r?.value).toBeGreaterThan(390);
    expect(r!.window!.start).toBeGreaterThanOrEqual(T0 + 41_000);
    expect(r!.window!.end).toBeLessThanOrEqual(T0 + 66_000);
    const whole = new Aggregator('s', parseThresholds({ http_req_duration: ['p(95)<200'] }, parseDuration), [], T0);
    feed(whole, 120, (s) => (s >= 50 && s < 55 ? 400 : 10));
    expect(whole.results(120_000)[0]?.ok).toBe(true);
  });

  it('filters by request tag', () => {
    const agg = new Aggregator(
      's',
      parseThresholds(
        {
          'http_req_duration{name:GET /v1/feed}': ['p(95)<200'],
          'http_req_duration{name:POST /v1/posts}': ['p(95)<200'],
        },
        parseDuration,
      ),
      [],
      T0,
    );
    feed(agg, 10, (s) => (s % 2 ? 300 : 10));
    expect(agg.results(10_000).map((r) => r.ok)).toEqual([false, true]);
  });

  it('abortOnFail stops at the first breaching second, not before delayAbortEval', () => {
    const agg = new Aggregator(
      's',
      parseThresholds(
        { http_req_failed: [{ threshold: 'rate<0.1', abortOnFail: true, delayAbortEval: '5s' }] },
        parseDuration,
      ),
      [10],
      T0,
    );
    const abortAt = feed(
      agg,
      30,
      () => 10,
      () => true,
    );
    expect(abortAt).toBe(4); // flushed at the end of second 4: 5 s elapsed
    expect(agg.results(30_000)[0]).toMatchObject({ ok: false, abortedRun: true });
  });

  it('counts requests with http_reqs and dropped_iterations', () => {
    const agg = new Aggregator(
      's',
      parseThresholds({ http_reqs: ['count==1000', 'rate>=99'], dropped_iterations: ['count<1'] }, parseDuration),
      [10],
      T0,
    );
    feed(agg, 10, () => 10);
    agg.recordDropped('GET /v1/feed', T0 + 9_500);
    agg.flush(T0 + 10_000, true);
    expect(agg.results(10_000).map((r) => [r.ok, r.value])).toEqual([
      [false, 1001],
      [true, 100.1],
      [false, 1],
    ]);
  });
});
