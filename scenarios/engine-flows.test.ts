import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario, type ResponseInfo } from './index.ts';
import { spawnLocalServer } from './testing/spawn-server.ts';

describe('flows', () => {
  it('pass captures between steps, give each request a fresh {{uuid}}, and report every response to onResponse', async () => {
    await using srv = await spawnLocalServer({ kind: 'trivial' });
    const s = parseScenario({
      name: 'flow',
      executor: 'per-vu-iterations',
      vus: 2,
      iterations: 3,
      flows: [
        {
          name: 'write-then-read',
          steps: [
            {
              name: 'write',
              method: 'POST',
              path: '/posts',
              headers: { 'Idempotency-Key': '{{uuid}}' },
              body: { vu: '{{vu}}', iter: '{{iter}}' },
              captures: { okValue: { json: 'ok' } },
            },
            {
              name: 'read',
              path: '/posts/{{okValue}}?vu={{vu}}',
              checks: [
                { type: 'json', path: 'ok', equals: true },
                { type: 'header', header: 'content-type', matches: 'json' },
              ],
            },
          ],
        },
      ],
    });
    const seen: ResponseInfo[] = [];
    const r = await runScenario(s, { baseUrl: new URL(srv.url), onResponse: (i) => seen.push(i) });
    expect(r.summary.requests).toBe(12);
    expect(r.summary.checks).toEqual({ passed: 12, failed: 0 });
    const writes = seen.filter((i) => i.tag === 'write');
    expect(writes).toHaveLength(6);
    const keys = new Set(writes.map((w) => w.requestHeaders['idempotency-key']));
    expect(keys.size).toBe(6);
    expect(writes.every((w) => w.ok && w.status === 200 && (w.body as { ok: boolean }).ok)).toBe(true);
    expect(writes.map((w) => typeof (w.requestBody as { vu: unknown }).vu)).toContain('number');
    expect(seen.filter((i) => i.tag === 'read').map((i) => i.path)).toContain('/posts/true?vu=1');
  });

  it('abortOnFail stops a failing run early and says why', async () => {
    await using srv = await spawnLocalServer({ kind: 'status', status: 500 });
    const s = parseScenario({
      name: 'abort',
      executor: 'constant-arrival-rate',
      rate: 50,
      duration: '30s',
      flows: [{ name: 'get', steps: [{ path: '/' }] }],
      thresholds: { http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '1s' }] },
    });
    const t0 = Date.now();
    const r = await runScenario(s, { baseUrl: new URL(srv.url) });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.aborted).toBe(true);
    expect(r.abortReason).toContain('http_req_failed');
    expect(r.thresholds[0]).toMatchObject({ ok: false, abortedRun: true });
    expect(r.part.events?.some((e) => e.type === 'threshold.aborted')).toBe(true);
  });

  it('stops at once when interrupted and returns what it measured', async () => {
    await using srv = await spawnLocalServer({ kind: 'trivial' });
    const s = parseScenario({
      name: 'interrupted',
      executor: 'constant-arrival-rate',
      rate: 100,
      duration: '30s',
      flows: [{ name: 'get', steps: [{ path: '/' }] }],
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('SIGINT')), 1500);
    const t0 = Date.now();
    const r = await runScenario(s, { baseUrl: new URL(srv.url), signal: controller.signal });
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(r.aborted).toBe(true);
    expect(r.abortReason).toContain('interrupted');
    expect(r.summary.requests).toBeGreaterThan(50);
    expect(r.part.samples?.length).toBeGreaterThan(0);
  });

  it('counts arrivals that find no free connection as late, and drops those that wait too long', async () => {
    await using srv = await spawnLocalServer({ kind: 'fixed', delayMs: 400 });
    const s = parseScenario({
      name: 'starved',
      executor: 'constant-arrival-rate',
      rate: 100,
      duration: '1s',
      maxVUs: 5,
      connections: 5,
      maxLateness: '300ms',
      flows: [{ name: 'get', steps: [{ path: '/' }] }],
      thresholdWindows: [],
    });
    const r = await runScenario(s, { baseUrl: new URL(srv.url) });
    // 100 arrivals, only 5 in flight at a time for 400 ms each: most are dropped, none vanish.
    expect(r.summary.dropped).toBeGreaterThan(50);
    expect(r.summary.requests).toBe(100);
    expect(r.summary.errors).toBe(r.summary.dropped);
    // The shortfall is the target's doing (no free connection), so it does not mark the run invalid.
    expect(r.summary.invalidReasons.join(' ')).not.toContain('achieved');
  });
});
