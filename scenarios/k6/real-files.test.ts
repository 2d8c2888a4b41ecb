import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/testing.ts';
import { importK6Results } from './import.ts';
import { k6PercentileOf } from './k6-json.fixtures.ts';

// Real `k6 run --out json` files from public repositories (fixtures/real/README.md names each source).
// For each, the verdict of every threshold it declares is worked out here again from k6's documented
// definitions — independently of the import's code — and the import must give the same verdict and value.
const dir = path.join(import.meta.dirname, 'fixtures', 'real');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json.gz'))
  .sort();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rampart-k6-real-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Expected {
  metric: string;
  filter?: string;
  expression: string;
  value: number | undefined;
  pass: boolean;
}

// Judged on every file besides what it declares: each metric type k6 writes, a sub-metric, and limits some runs
// pass and some fail (thresholds on sub-metrics never reach the JSON output, so --threshold gives them).
const extra: Record<string, string[]> = {
  http_req_duration: ['p(90)<40', 'med<10', 'avg<30', 'max<1000', 'min>0.5', 'p(99.9)<500'],
  'http_req_duration{expected_response:true}': ['p(95)<50'],
  http_req_waiting: ['p(95)<40'],
  iteration_duration: ['p(95)<1000'],
  http_reqs: ['count>100', 'rate>5'],
  data_received: ['count>50000'],
  vus: ['value>1'],
  checks: ['rate>0.99'],
};

/** k6's end-of-test verdicts, from https://grafana.com/docs/k6/latest/using-k6/thresholds/ and the metric types' docs. */
const builtinTypes: Record<string, string> = {
  checks: 'rate',
  http_reqs: 'counter',
  vus: 'gauge',
  iteration_duration: 'trend',
  data_received: 'counter',
  http_req_waiting: 'trend',
  http_req_duration: 'trend',
};

function k6Verdicts(file: string, more: Record<string, string[]> = {}): Expected[] {
  const types = new Map<string, string>();
  const declared = new Map<string, string[]>();
  const points = new Map<string, Array<{ t: number; v: number; tags: Record<string, string> }>>();
  let first = Infinity;
  let last = -Infinity;
  for (const line of gunzipSync(readFileSync(file)).toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line) as {
      type: string;
      metric: string;
      data: {
        type?: string;
        thresholds?: Array<string | { threshold: string }>;
        time?: string;
        value?: number;
        tags?: Record<string, string> | null;
      };
    };
    if (o.type === 'Metric') {
      types.set(o.metric, o.data.type as string);
      const th = (o.data.thresholds ?? []).map((t) => (typeof t === 'string' ? t : t.threshold));
      if (th.length) declared.set(o.metric, th);
    } else {
      const t = Date.parse(o.data.time as string);
      first = Math.min(first, t);
      last = Math.max(last, t);
      const list = points.get(o.metric) ?? [];
      list.push({ t, v: o.data.value as number, tags: o.data.tags ?? {} });
      points.set(o.metric, list);
    }
  }
  const out: Expected[] = [];
  for (const [key, list] of Object.entries(more)) declared.set(key, [...(declared.get(key) ?? []), ...list]);
  for (const [key, expressions] of declared) {
    const [metric, filter] = key.includes('{')
      ? [key.slice(0, key.indexOf('{')), key.slice(key.indexOf('{') + 1, -1)]
      : [key, undefined];
    const want = filter === undefined ? [] : filter.split(',').map((kv) => kv.split(':') as [string, string]);
    const mine = (points.get(metric) ?? []).filter((p) => want.every(([k, v]) => p.tags[k] === v));
    const values = mine.map((p) => p.v);
    // A built-in metric exists in every k6 test, written or not (a script without check() still has "checks").
    const type = types.get(metric) ?? builtinTypes[metric];
    for (const expression of expressions) {
      const m = /^\s*(p\(([\d.]+)\)|avg|min|max|med|rate|count|value)\s*(<=|<|>=|>|===|==|!=)\s*([\d.eE+-]+)\s*$/.exec(
        expression,
      );
      if (!m) throw new Error(`fixture threshold ${expression} not understood by the test`);
      const [, agg, pct, op, limit] = m as unknown as [string, string, string | undefined, string, string];
      const sum = values.reduce((a, v) => a + v, 0);
      let value: number | undefined;
      if (type === 'trend') {
        value = agg.startsWith('p(')
          ? k6PercentileOf(values, Number(pct))
          : agg === 'med'
            ? k6PercentileOf(values, 50)
            : values.length === 0
              ? 0
              : agg === 'avg'
                ? sum / values.length
                : agg === 'min'
                  ? Math.min(...values)
                  : Math.max(...values);
      } else if (type === 'rate') {
        value = values.length === 0 ? undefined : values.filter((v) => v !== 0).length / values.length;
      } else if (type === 'counter') {
        value = agg === 'count' ? sum : sum / ((last - first) / 1000);
      } else {
        const ps = [...mine].sort((a, b) => a.t - b.t);
        value = ps.length ? (ps[ps.length - 1] as { v: number }).v : 0;
      }
      const l = Number(limit);
      const pass =
        value === undefined ||
        ({
          '<': value < l,
          '<=': value <= l,
          '>': value > l,
          '>=': value >= l,
          '==': value === l,
          '===': value === l,
          '!=': value !== l,
        }[op] as boolean);
      out.push({ metric, ...(filter !== undefined ? { filter } : {}), expression, value, pass });
    }
  }
  return out;
}

describe("real k6 output files import, and their thresholds get k6's verdicts", () => {
  it('there are real files from several repositories, with thresholds that pass and thresholds that fail', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
    const declared = files.flatMap((f) => k6Verdicts(path.join(dir, f)));
    expect(declared.filter((e) => e.pass).length).toBeGreaterThan(0);
    expect(declared.filter((e) => !e.pass).length).toBeGreaterThan(0);
    const all = files.flatMap((f) => k6Verdicts(path.join(dir, f), extra));
    for (const key of Object.keys(extra)) {
      const mine = all.filter((e) => `${e.metric}${e.filter !== undefined ? `{${e.filter}}` : ''}` === key);
      expect(mine.length, key).toBeGreaterThan(0);
    }
    expect(all.filter((e) => !e.pass).length).toBeGreaterThan(10);
    expect(all.filter((e) => e.pass).length).toBeGreaterThan(10);
  });

  it.each(files)(
    "%s: every declared threshold has k6's verdict and value; the exit code is 1 exactly when one fails",
    async (name) => {
      const file = path.join(dir, name);
      const declared = k6Verdicts(file);
      const expected = k6Verdicts(file, extra);
      const r = await importK6Results([file], { thresholds: extra });
      const id = (t: { metric: string; filter?: string; expression: string }) =>
        `${t.metric}${t.filter !== undefined ? `{${t.filter}}` : ''} ${t.expression}`;
      expect(
        r.thresholds
          .filter((t) => t.rampart !== undefined)
          .map(id)
          .sort(),
      ).toEqual(expected.map(id).sort());
      for (const e of expected) {
        const t = r.thresholds.find((x) => id(x) === id(e));
        expect(t?.ok, `${e.metric} ${e.expression}`).toBe(e.pass);
        expect(t?.outcome).toBe(e.pass ? 'pass' : 'fail');
        if (e.value === undefined) expect(t?.value).toBeNull();
        else expect(t?.value).toBeCloseTo(e.value, 5);
      }
      const res = await runCli(['k6', 'import', file, '--out', path.join(tmp, name)]);
      expect(res.code, res.stderr).toBe(declared.some((e) => !e.pass) ? 1 : 0);
    },
  );

  it('values worked out by hand for two of them', async () => {
    const search = await importK6Results([path.join(dir, 'ruveyharuzgar-search-engine-service.json.gz')]);
    // 22 of 115 requests failed: 0.191304 is not < 0.05 (k6: ✗); the custom Rate "errors" 0.22 fails too.
    expect(search.thresholds.find((t) => t.metric === 'http_req_failed')).toMatchObject({ ok: false, value: 0.191304 });
    expect(search.thresholds.find((t) => t.metric === 'errors')).toMatchObject({ ok: false, value: 0.22 });
    expect(search.summaries.reduce((a, s) => a + s.requests, 0)).toBe(115);
    const votes = await importK6Results([path.join(dir, 'rodolfodpk-desafio-votacao.trimmed.json.gz')]);
    // Its setup() health check has no scenario tag: its own bucket, not a made-up "default".
    expect(votes.summaries.find((s) => s.scenario === 'setup()')?.requests).toBe(1);
  });
});
