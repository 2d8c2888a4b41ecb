import { describe, expect, it } from 'vitest';
import { judgeWindow } from '../../reports/index.ts';
import { alignedWindow, check, measure, recoverySeconds, windowStatsFromObservations } from './observe.ts';
import type { Objective, Observation } from './types.ts';

const groups = { read: ['GET /v1/feed'], write: ['POST /v1/posts'] };
const at = (
  ts: number,
  tag: 'read' | 'write' | 'other',
  status: number,
  latencyMs: number,
  extra: Partial<Observation> = {},
): Observation => ({
  ts,
  name: tag === 'read' ? 'GET /v1/feed' : tag === 'write' ? 'POST /v1/posts' : 'dropped',
  status,
  latencyMs,
  timedOut: false,
  retryAfter: false,
  attempts: 1,
  ...extra,
});

describe('drill observations', () => {
  it('availability counts 4xx as answered and 5xx or no answer as unavailable', () => {
    const obs = [at(0, 'read', 200, 5), at(1, 'read', 429, 5), at(2, 'read', 503, 5), at(3, 'read', 0, 5)];
    expect(measure(obs, 'availability')).toBe(0.5);
    expect(measure(obs, 'success')).toBe(0.25);
  });

  it('fastFail is the share of failures that are 503 with Retry-After', () => {
    const obs = [at(0, 'write', 503, 5, { retryAfter: true }), at(1, 'write', 500, 5), at(2, 'write', 201, 5)];
    expect(measure(obs, 'fastFail')).toBe(0.5);
    expect(measure([at(0, 'write', 201, 5)], 'fastFail')).toBe(1);
  });

  it('an objective on an empty window fails, saying there was nothing to measure', () => {
    const objective: Objective = { name: 'reads p95', tag: 'read', metric: 'p95', op: '<=', value: 200 };
    const r = check([at(0, 'write', 201, 5)], { start: 0, end: 10 }, objective, groups);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/no read requests/);
  });

  it('recovery time is when the objectives hold again after the rollback', () => {
    const obs: Observation[] = [];
    for (let t = 0; t < 10_000; t += 100) obs.push(at(t, 'read', t < 3000 ? 503 : 200, 10));
    const objectives: Objective[] = [{ name: 'available', tag: 'read', metric: 'availability', op: '>=', value: 0.99 }];
    expect(recoverySeconds(obs, objectives, 0, 10_000, groups)).toBe(3);
    expect(
      recoverySeconds(
        obs.map((o) => ({ ...o, status: 503 })),
        objectives,
        0,
        10_000,
        groups,
      ),
    ).toBeNull();
  });

  it('live window stats count requests when they completed, as the samples do, and a dropped arrival only under all', () => {
    const obs = [
      at(900, 'read', 200, 50), // completes at 950: before the window
      at(950, 'read', 200, 100), // completes at 1050: inside
      at(1500, 'write', 503, 10, { retryAfter: true }),
      at(1600, 'read', 0, 5000, { timedOut: true }), // completes at 6600: after
      at(1700, 'other', 0, 0, { name: 'dropped', timedOut: true, attempts: 0 }),
    ];
    const w = { start: 1000, end: 2000 };
    const all = windowStatsFromObservations(obs, w, 'all');
    expect(all).toMatchObject({ count: 3, ok2xx: 1, serverErrors: 2, timeouts: 1, retryAfter503: 1 });
    expect(all.hist.totalCount).toBe(2); // a request never sent has no latency
    expect(windowStatsFromObservations(obs, w, 'read', groups)).toMatchObject({ count: 1, serverErrors: 0 });
    expect(alignedWindow(1200, 4900)).toEqual({ start: 2000, end: 4000 });
    // A request tag names itself; a name that is neither a tag sent nor a group counts nothing.
    expect(windowStatsFromObservations(obs, w, 'POST /v1/posts', groups)).toMatchObject({ count: 1, serverErrors: 1 });
    expect(windowStatsFromObservations(obs, w, 'GET /nothing', groups).count).toBe(0);
  });

  it('judged live like the record: too few clean requests for 99 % is inconclusive (a stop condition does not fire), a collapse fails', () => {
    const objective: Objective = {
      name: 'reads available at least 99 %',
      tag: 'read',
      metric: 'availability',
      op: '>=',
      value: 0.99,
    };
    const clean = Array.from({ length: 100 }, (_, i) => at(i * 10, 'read', 200, 5));
    expect(
      judgeWindow(windowStatsFromObservations(clean, { start: 0, end: 2000 }, 'read', groups), objective).outcome,
    ).toBe('inconclusive');
    const more = Array.from({ length: 400 }, (_, i) => at(i * 5, 'read', 200, 5));
    expect(
      judgeWindow(windowStatsFromObservations(more, { start: 0, end: 3000 }, 'read', groups), objective).outcome,
    ).toBe('pass');
    const stop: Objective = {
      name: 'reads available at least 50 %',
      tag: 'read',
      metric: 'availability',
      op: '>=',
      value: 0.5,
    };
    const collapsed = Array.from({ length: 30 }, (_, i) => at(i * 50, 'read', i % 4 === 0 ? 200 : 503, 5));
    expect(
      judgeWindow(windowStatsFromObservations(collapsed, { start: 0, end: 2000 }, 'read', groups), stop).outcome,
    ).toBe('fail');
  });
});
