import { describe, expect, it } from 'vitest';
import { check, measure, recoverySeconds, toSamples } from './observe.ts';
import type { Objective, Observation } from './types.ts';

const at = (ts: number, tag: 'read' | 'write', status: number, latencyMs: number, extra: Partial<Observation> = {}): Observation => ({
  ts, tag, name: tag === 'read' ? 'GET /v1/feed' : 'POST /v1/posts', status, latencyMs, timedOut: false, retryAfter: false, attempts: 1, ...extra,
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
    const r = check([at(0, 'write', 201, 5)], { start: 0, end: 10 }, objective);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/no read requests/);
  });

  it('recovery time is when the objectives hold again after the rollback', () => {
    const obs: Observation[] = [];
    for (let t = 0; t < 10_000; t += 100) obs.push(at(t, 'read', t < 3000 ? 503 : 200, 10));
    const objectives: Objective[] = [{ name: 'available', tag: 'read', metric: 'availability', op: '>=', value: 0.99 }];
    expect(recoverySeconds(obs, objectives, 0, 10_000)).toBe(3);
    expect(recoverySeconds(obs.map((o) => ({ ...o, status: 503 })), objectives, 0, 10_000)).toBeNull();
  });

  it('samples are per second and per request name, with status classes', () => {
    const samples = toSamples('drill:x', [at(1000, 'read', 200, 5), at(1500, 'read', 0, 5), at(2100, 'write', 503, 5)]);
    expect(samples).toHaveLength(2);
    expect(samples[0]).toMatchObject({ ts: 1000, tag: 'GET /v1/feed', count: 2, failed: 1, status: { '2xx': 1, net: 1 } });
    expect(samples[1]).toMatchObject({ ts: 2000, tag: 'POST /v1/posts', count: 1, status: { '5xx': 1 } });
  });
});
