import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from './engine.ts';
import { parseScenario, type ScenarioInput } from './schema/scenario.ts';
import { exportK6 } from './k6/export.ts';
import { runK6StandIn } from './k6/testing/k6-stand-in.ts';
import { listenOnLoopback } from './testing/local-servers.ts';

/** A node:http server on loopback: /login answers after 50 ms with the count of logins so far ({ depth: n }); /fail is a 500. */
async function server() {
  let logins = 0;
  const srv = createServer((req, res) => {
    req.resume();
    if (req.url === '/login')
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ depth: ++logins })),
        50,
      );
    else res.writeHead(500, { 'content-type': 'application/json' }).end('{}');
  });
  return {
    ...(await listenOnLoopback(srv)),
  };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const input = (extra: Partial<ScenarioInput> = {}): ScenarioInput =>
  ({
    name: 'own',
    executor: 'per-vu-iterations',
    iterations: 5,
    thresholdWindows: [],
    metrics: { login_time: 'trend', logins: 'counter', ok_rate: 'rate', queue_depth: 'gauge' },
    flows: [
      {
        name: 'f',
        steps: [
          {
            name: 'login',
            path: '/login',
            captures: { depth: { json: 'depth' } },
            add: { login_time: 'duration', logins: 1, ok_rate: { statusIn: [200] }, queue_depth: { capture: 'depth' } },
          },
          { name: 'fail', path: '/fail', expectStatus: [500], add: { ok_rate: { statusIn: [200] } } },
        ],
      },
    ],
    thresholds: {
      login_time: ['p(95)>=40', 'max<5000'],
      logins: ['count==5', 'count>5'],
      ok_rate: ['rate==0.5'],
      queue_depth: ['value==5'],
    },
    ...extra,
  }) as ScenarioInput;

describe("the scenario's own metrics (k6's custom Trend, Counter, Rate, Gauge)", () => {
  it('steps add durations, counts, statuses and captured values to them, and thresholds on them are judged as k6 judges them', async () => {
    await using srv = await server();
    const r = await runScenario(parseScenario(input()), { baseUrl: srv.url });
    const verdict = (metric: string, expression: string) =>
      r.thresholds.find((t) => t.metric === metric && t.expression === expression);
    expect(verdict('login_time', 'p(95)>=40')?.outcome).toBe('pass');
    expect(verdict('login_time', 'max<5000')?.outcome).toBe('pass');
    expect(verdict('logins', 'count==5')).toMatchObject({ outcome: 'pass', value: 5 });
    expect(verdict('logins', 'count>5')).toMatchObject({ outcome: 'fail', value: 5 });
    expect(verdict('ok_rate', 'rate==0.5')).toMatchObject({ outcome: 'pass', value: 0.5 });
    expect(verdict('queue_depth', 'value==5')).toMatchObject({ outcome: 'pass', value: 5 });
    expect(r.part.notes?.join('\n')).toMatch(/own: logins: count 5/);
  });

  it('refuses a step adding to an undeclared metric, a threshold on one, an aggregation its type has not, and a built-in name', () => {
    const bad = (extra: Partial<ScenarioInput>) => () => parseScenario(input(extra));
    expect(bad({ metrics: { login_time: 'trend', ok_rate: 'rate', queue_depth: 'gauge' } })).toThrow(
      /flows\[0\]\.steps\[0\]\.add\.logins: no metric "logins" in the scenario's metrics/,
    );
    expect(bad({ thresholds: { login_tme: ['p(95)<1'] } })).toThrow(
      /thresholds\.login_tme: unknown metric "login_tme".*or the scenario's own login_time/s,
    );
    expect(bad({ thresholds: { login_time: ['rate<1'] } })).toThrow(
      /thresholds\.login_time\[0\]: "rate<1": login_time is a trend metric/,
    );
    expect(
      bad({
        metrics: {
          http_req_sending: 'trend',
          login_time: 'trend',
          logins: 'counter',
          ok_rate: 'rate',
          queue_depth: 'gauge',
        },
      }),
    ).toThrow(/metrics\.http_req_sending: .*built-in/);
  });

  it('the k6 export declares them as k6 custom metrics and adds the same points (k6 stand-in)', async () => {
    await using srv = await server();
    const k6 = exportK6({
      name: 'own',
      description: 'own metrics',
      profile: 'quick',
      stack: { targetEnv: {} },
      scenarios: [parseScenario(input({ iterations: 2 }))],
    });
    expect(k6.script).toContain('"login_time": new Trend("login_time", true)');
    expect(k6.script).toContain('"logins": new Counter("logins")');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-own-'));
    dirs.push(dir);
    const out = path.join(dir, 'k6.json');
    await runK6StandIn(k6.script, { baseUrl: srv.url.origin, out, maxIterations: 2 });
    const points = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { metric: string; type: string; data: { value: number } })
      .filter((l) => l.type === 'Point');
    const values = (m: string) => points.filter((p) => p.metric === m).map((p) => p.data.value);
    expect(values('logins')).toEqual([1, 1]);
    expect(values('ok_rate')).toEqual([1, 0, 1, 0]);
    expect(values('queue_depth')).toEqual([1, 2]);
    expect(values('login_time').every((v) => v >= 40)).toBe(true);
  });
});
