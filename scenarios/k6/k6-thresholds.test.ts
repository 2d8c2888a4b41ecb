import { describe, expect, it } from 'vitest';
import {
  addToSink,
  emptySink,
  k6Passes,
  k6Percentile,
  parseK6Expression,
  parseK6Key,
  sinkValue,
  tagsContain,
} from './k6-thresholds.ts';

// The expected values are k6's own (metrics/sink_test.go, metrics/thresholds_parser_test.go, k6 v1.x).
const trendOf = (values: number[]) => {
  const s = emptySink('trend');
  values.forEach((v, i) => addToSink(s, v, i));
  return s;
};

describe('k6 sinks and threshold syntax, as k6 computes them', () => {
  it('Trend percentiles interpolate linearly between ranks (k6 TrendSink.P)', () => {
    expect(k6Percentile(trendOf([]), 0.95)).toBe(0);
    for (const p of [0.01, 0.5, 0.99, 1]) expect(k6Percentile(trendOf([10]), p)).toBe(10);
    const two = trendOf([5, 10]);
    expect([
      k6Percentile(two, 0),
      k6Percentile(two, 0.5),
      k6Percentile(two, 0.95),
      k6Percentile(two, 0.99),
      k6Percentile(two, 1),
    ]).toEqual([5, 7.5, 5 + (10 - 5) * 0.95, 5 + (10 - 5) * 0.99, 10]);
    const ten = trendOf([0, 100, 30, 80, 70, 60, 50, 40, 90, 20]);
    expect(k6Percentile(ten, 0.5)).toBeCloseTo(55, 6);
    expect(k6Percentile(ten, 0.95)).toBeCloseTo(95.5, 6);
    expect(k6Percentile(ten, 0.99)).toBeCloseTo(99.1, 6);
    expect(ten.sum / ten.count).toBe(54);
    // Nearest rank would say 100 for p(95) of these ten values; k6 says 95.5.
  });

  it('the sinks of every metric type, empty ones included, and the missing entry that passes', () => {
    const e = (src: string) => parseK6Expression(src);
    const rate = emptySink('rate');
    expect(sinkValue(rate, e('rate<0.1'), 10)).toBeUndefined(); // no points: k6 has no "rate" entry, the threshold passes
    expect(k6Passes(e('rate<0.1'), undefined)).toBe(true);
    [1, 0, 0, 0].forEach((v, i) => addToSink(rate, v, i));
    expect(sinkValue(rate, e('rate<0.1'), 10)).toBe(0.25);
    const counter = emptySink('counter');
    expect(sinkValue(counter, e('count<1'), 10)).toBe(0);
    [2, 3].forEach((v, i) => addToSink(counter, v, i));
    expect([sinkValue(counter, e('count<1'), 10), sinkValue(counter, e('rate<1'), 10)]).toEqual([5, 0.5]);
    const gauge = emptySink('gauge');
    expect(sinkValue(gauge, e('value<1'), 10)).toBe(0);
    addToSink(gauge, 7, 2);
    addToSink(gauge, 3, 1); // written later but earlier in time: the gauge's value is the latest point's
    expect(sinkValue(gauge, e('value<1'), 10)).toBe(7);
    expect(sinkValue(emptySink('trend'), e('p(95)<200'), 10)).toBe(0); // an empty Trend reads 0 at the end of a test
  });

  it('threshold expressions and keys are read as k6 reads them', () => {
    expect(parseK6Expression('p(99.9) < 250')).toMatchObject({
      aggregation: 'p',
      percentile: 99.9,
      op: '<',
      value: 250,
    });
    expect(parseK6Expression('count>=0')).toMatchObject({ aggregation: 'count', op: '>=', value: 0 });
    expect(parseK6Expression('value===3')).toMatchObject({ aggregation: 'value', op: '===', value: 3 });
    expect(parseK6Expression('rate != 0')).toMatchObject({ aggregation: 'rate', op: '!=', value: 0 });
    for (const bad of ['p95<200', 'avg', 'avg<fast', 'median<3', 'p(101)<2'])
      expect(() => parseK6Expression(bad)).toThrow();
    expect(parseK6Key('http_req_duration{name:GET /x, status:"200"}')).toEqual({
      metric: 'http_req_duration',
      tags: { name: 'GET /x', status: '200' },
      filter: 'name:GET /x, status:"200"',
    });
    expect(parseK6Key('my_trend')).toEqual({ metric: 'my_trend', tags: {} });
    expect(() => parseK6Key('http_req_duration{name:x')).toThrow(/missing ending bracket/);
    expect(tagsContain({ name: 'GET /x', status: '200', scenario: 'a' }, { name: 'GET /x', status: '200' })).toBe(true);
    expect(tagsContain({ name: 'GET /x' }, { name: 'GET /x', status: '200' })).toBe(false);
  });
});
