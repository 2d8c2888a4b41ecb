import { describe, expect, it } from 'vitest';
import { extractOptions, exportK6Script } from './k6/export.ts';
import { parseScenario, runScenario, type ResponseInfo } from './index.ts';
import { spawnLocalServer } from './testing/spawn-server.ts';

describe("shared-iterations (k6's executor)", () => {
  it('VUs take a fixed number of iterations from one pool: 3 VUs, 10 iterations, 10 requests in all, more than one VU at work', async () => {
    await using srv = await spawnLocalServer({ kind: 'trivial' });
    const s = parseScenario({
      name: 'pool',
      executor: 'shared-iterations',
      vus: 3,
      iterations: 10,
      thresholdWindows: [],
      flows: [{ name: 'get', steps: [{ name: 'GET /', path: '/?vu={{vu}}&iter={{iter}}' }] }],
      thresholds: { http_reqs: ['count==10'] },
    });
    const seen: ResponseInfo[] = [];
    const r = await runScenario(s, { baseUrl: new URL(srv.url), onResponse: (i) => seen.push(i) });
    expect(r.summary.requests).toBe(10);
    expect(r.thresholds[0]).toMatchObject({ outcome: 'pass', value: 10 });
    const vus = new Set(seen.map((i) => new URL(i.path, 'http://x').searchParams.get('vu')));
    expect(vus.size).toBeGreaterThan(1);
    expect([...vus].every((v) => ['0', '1', '2'].includes(v as string))).toBe(true);
  });

  it("is exported as k6's shared-iterations with its VUs, iterations and maxDuration", () => {
    const s = parseScenario({
      name: 'pool',
      executor: 'shared-iterations',
      vus: 3,
      iterations: 10,
      maxDuration: '30',
      flows: [{ name: 'get', steps: [{ path: '/' }] }],
    });
    const o = extractOptions(
      exportK6Script({ name: 'p', description: 'p', profile: 'quick', stack: { targetEnv: {} }, scenarios: [s] }),
    ) as { scenarios: Record<string, unknown> };
    expect(o.scenarios.pool).toMatchObject({
      executor: 'shared-iterations',
      vus: 3,
      iterations: 10,
      maxDuration: '30s',
    });
  });
});
