import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from './engine.ts';
import { runSuiteDetailed } from './run-suite.ts';
import { parseScenario } from './schema/scenario.ts';
import { loadSuite } from './suites.ts';
import { envAsPlaceholders, exportK6, extractOptions } from './k6/export.ts';

/** A node:http server on loopback noting each request's path and arrival; /slow answers after 600 ms. */
async function recordingServer() {
  const seen: Array<{ path: string; at: number }> = [];
  const t0 = performance.now();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ path: req.url ?? '', at: performance.now() - t0 });
    req.resume();
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (req.url === '/slow') setTimeout(answer, 600);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return {
    url,
    seen,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function suiteFile(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-timing-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return path.join(dir, 'suite.yaml');
}

describe('scenario startTime, gracefulStop, tags and env (as k6 scenarios)', () => {
  it('with a startTime the scenarios overlap as in k6: the second starts 500 ms in, while the first still runs', async () => {
    await using srv = await recordingServer();
    const file = await suiteFile({
      'suite.yaml': `
name: overlap
description: two scenarios at once
scenarios:
  - { name: long, executor: constant-vus, vus: 1, duration: 1500ms, thresholdWindows: [], flows: [{ name: a, steps: [{ path: /a }] }], thinkTime: { type: constant, duration: 50ms } }
  - { name: late, executor: per-vu-iterations, startTime: 500ms, thresholdWindows: [], flows: [{ name: b, steps: [{ path: /b }] }] }
`,
    });
    const r = await runSuiteDetailed(loadSuite(file), { target: srv.url, profile: 'quick' });
    const a = srv.seen.filter((s) => s.path === '/a').map((s) => s.at);
    const b = srv.seen.filter((s) => s.path === '/b').map((s) => s.at);
    expect(b).toHaveLength(1);
    // Sequential running (no startTime) would send /b after every /a; k6's startTime sends it 500 ms in.
    expect(b[0]! - a[0]!).toBeGreaterThanOrEqual(250); // 500 ms less the first scenario's own start-up (reachability check)
    expect(b[0]!).toBeLessThan(Math.max(...a));
    expect(r.results.map((x) => x.summary.scenario)).toEqual(['long', 'late']);
    expect(r.part.summaries?.map((x) => x.scenario)).toEqual(['long', 'late']);
  });

  it('gracefulStop lets an iteration in flight at the end finish its steps; a short one cancels it (not counted); none sends no new step', async () => {
    const scenario = (gracefulStop?: string) =>
      parseScenario({
        name: 'g',
        executor: 'constant-vus',
        vus: 1,
        duration: '300ms',
        thresholdWindows: [],
        ...(gracefulStop ? { gracefulStop } : {}),
        flows: [{ name: 'f', steps: [{ path: '/slow' }, { path: '/after' }] }],
      });
    {
      await using srv = await recordingServer();
      const r = await runScenario(scenario('3s'), { baseUrl: srv.url });
      expect(srv.seen.map((s) => s.path)).toEqual(['/slow', '/after']);
      expect(r.summary.requests).toBe(2);
    }
    {
      await using srv = await recordingServer();
      const r = await runScenario(scenario(), { baseUrl: srv.url });
      expect(srv.seen.map((s) => s.path)).toEqual(['/slow']);
      expect(r.summary.requests).toBe(1);
    }
    {
      await using srv = await recordingServer();
      const r = await runScenario(scenario('100ms'), { baseUrl: srv.url });
      expect(srv.seen.map((s) => s.path)).toEqual(['/slow']);
      expect(r.summary.requests).toBe(0);
      expect(r.part.notes?.join('\n')).toMatch(
        /g: iterations still running 100 ms \(gracefulStop\) after the end of the load were interrupted/,
      );
    }
  });

  it("scenario tags: a threshold on a scenario tag judges the scenario's requests; another value has no data", async () => {
    await using srv = await recordingServer();
    const r = await runScenario(
      parseScenario({
        name: 't',
        executor: 'per-vu-iterations',
        iterations: 3,
        thresholdWindows: [],
        tags: { team: 'feeds' },
        flows: [{ name: 'f', steps: [{ path: '/a' }] }],
        thresholds: { 'http_reqs{team:feeds}': ['count==3'], 'http_reqs{team:other}': ['count==3'] },
      }),
      { baseUrl: srv.url },
    );
    expect(r.thresholds[0]).toMatchObject({ filter: 'team:feeds', outcome: 'pass', value: 3 });
    expect(r.thresholds[1]).toMatchObject({ filter: 'team:other', outcome: 'inconclusive', value: null });
    expect(r.part.scenarios?.[0]).toMatchObject({ tags: { team: 'feeds' } });
    expect(() =>
      parseScenario({
        name: 't',
        executor: 'per-vu-iterations',
        tags: { name: 'x' },
        flows: [{ name: 'f', steps: [{ path: '/' }] }],
      }),
    ).toThrow(/tags\.name.*set by rampart/s);
  });

  it('scenario env fills {{env.NAME}} in its own flows, included ones too, over the environment; the k6 export carries startTime, gracefulStop, tags and env', async () => {
    await using srv = await recordingServer();
    const file = await suiteFile({
      '_shared.yaml': 'flows: [{ name: f, steps: [{ path: "/{{env.WHERE}}" }] }]\n',
      'suite.yaml': `
name: envs
description: one flow, two places
include: _shared.yaml
scenarios:
  - { name: one, executor: per-vu-iterations, thresholdWindows: [], env: { WHERE: a }, tags: { team: feeds }, thresholds: { "http_req_duration{team:feeds}": ["p(95)<5000"] } }
  - { name: two, executor: per-vu-iterations, thresholdWindows: [], env: { WHERE: b }, startTime: 200ms, gracefulStop: 2s }
`,
    });
    await runSuiteDetailed(loadSuite(file, 'quick', { env: { WHERE: 'c' } }), { target: srv.url, profile: 'quick' });
    expect(srv.seen.map((s) => s.path).sort()).toEqual(['/a', '/b']);
    // The variable need not be set anywhere else: the scenarios set it.
    expect(() => loadSuite(file, 'quick', { env: {} })).not.toThrow();

    const k6 = exportK6(loadSuite(file, 'quick', { env: envAsPlaceholders }));
    const o = extractOptions(k6.script) as {
      scenarios: Record<string, Record<string, unknown>>;
      thresholds: Record<string, unknown>;
    };
    expect(o.scenarios.one).toMatchObject({ env: { WHERE: 'a' }, tags: { team: 'feeds' }, gracefulStop: '10000ms' });
    expect(o.scenarios.one?.startTime).toBeUndefined();
    expect(o.scenarios.two).toMatchObject({ env: { WHERE: 'b' }, startTime: '200ms', gracefulStop: '2s' });
    expect(o.thresholds).toHaveProperty(['http_req_duration{scenario:one,team:feeds}']);
    // __ENV.WHERE comes from each scenario's env: nothing to pass with -e, and the header does not claim scenarios run in turn.
    expect(k6.env).toEqual([]);
    expect(k6.script).toContain('{{env.WHERE}}');
    expect(k6.notExported.join('\n')).not.toMatch(/one after another/);
  });
});
