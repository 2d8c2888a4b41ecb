import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from './index.ts';
import { defaultMaxConnections } from './capacity.ts';
import { spawnLocalServer } from './testing/spawn-server.ts';

// Servers run in their own process. A fixed-delay server makes the capacity of N connections known: N / delay.

function open(rate: number, duration: string, extra: Record<string, unknown>) {
  return parseScenario({
    name: 'acct',
    executor: 'constant-arrival-rate',
    rate,
    duration,
    ...extra,
    flows: [{ name: 'get', steps: [{ path: '/' }] }],
    thresholdWindows: [],
  });
}

describe('exact accounting in the open model', () => {
  it('reports as achieved what was started over the time it was started over, not over the duration', async () => {
    await using srv = await spawnLocalServer({ kind: 'fixed', delayMs: 50 });
    // 5 connections × 20 per second = 100/s can be started; 200/s are asked for 2 s: the 400 arrivals take ~4 s to start.
    const r = await runScenario(open(200, '2s', { maxVUs: 5 }), {
      baseUrl: new URL(srv.url),
      capFlag: '--max-connections',
    });
    expect(r.summary.requests).toBe(400);
    expect(r.summary.dropped).toBe(0);
    expect(r.summary.rate.achieved).toBeLessThan(110);
    expect(r.summary.rate.achieved).toBeGreaterThan(20); // a starved shared machine only makes it lower
    expect(r.summary.late).toBeGreaterThan(300);
    expect(
      r.warnings.some((w) =>
        /waited for a free connection: all 5 were busy.*raise --max-connections \(now 5\)/.test(w),
      ),
    ).toBe(true);
    const l = r.summary.latencyMs;
    for (const p of [l.p50, l.p90, l.p95, l.p99, l.p999]) expect(p).toBeLessThanOrEqual(l.max);
  });

  it('counts and names the arrivals dropped at the lateness cap, whose latency the percentiles cannot show', async () => {
    await using srv = await spawnLocalServer({ kind: 'fixed', delayMs: 200 });
    // 2 connections × 5/s = 10/s for 100/s asked: most arrivals wait past maxLateness (300 ms) and are dropped.
    const r = await runScenario(open(100, '1s', { maxVUs: 2, maxLateness: '300ms' }), { baseUrl: new URL(srv.url) });
    expect(r.summary.requests).toBe(100);
    expect(r.droppedAtCap).toBeGreaterThan(50);
    expect(r.summary.dropped).toBeGreaterThanOrEqual(r.droppedAtCap);
    expect(r.summary.errors).toBeGreaterThanOrEqual(r.summary.dropped);
    const w = r.warnings.find((x) => x.includes('(maxLateness)'));
    expect(w).toMatch(new RegExp(`^${r.droppedAtCap} arrivals were dropped after waiting 300 ms`));
    expect(w).toContain('not in the percentiles');
    expect(r.part.notes?.some((n) => n.includes('(maxLateness)'))).toBe(true);
    const l = r.summary.latencyMs;
    for (const p of [l.p50, l.p90, l.p95, l.p99, l.p999]) expect(p).toBeLessThanOrEqual(l.max);
  });
});

describe('connections like k6 VUs', () => {
  it('sizes the default connection cap for the rate × 1 s, never under 100', () => {
    expect(defaultMaxConnections(open(1000, '1s', {}))).toBe(1000);
    expect(defaultMaxConnections(open(20, '1s', {}))).toBe(100);
    expect(defaultMaxConnections(open(600, '1s', { timeUnit: '1m' }))).toBe(100);
  });

  it('opens connections on demand up to the cap: 300/s against a 500 ms server needs 150 and gets them', async () => {
    await using srv = await spawnLocalServer({ kind: 'fixed', delayMs: 500 });
    const r = await runScenario(open(300, '1s', {}), { baseUrl: new URL(srv.url) });
    expect(r.summary.requests).toBe(300);
    expect(r.summary.late).toBe(0);
    expect(r.summary.dropped).toBe(0);
    expect(r.warnings.filter((w) => w.includes('connection'))).toEqual([]);
    expect(r.summary.latencyMs.p50).toBeGreaterThanOrEqual(499);
    expect(r.summary.latencyMs.p50).toBeLessThan(5000); // generous: the machine is shared
  });
});
