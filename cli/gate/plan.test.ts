import { describe, expect, it } from 'vitest';
import { repoPath } from '../../common/index.ts';
import { planGate } from './plan.ts';

describe('the gate plan', () => {
  it('runs the concurrency-10k suite in the full profile with its objective (10,000 users, p95 < 200 ms, < 0.1 % errors), not in the quick one', () => {
    const full = planGate({ profile: 'full', drills: 'none', scan: false });
    expect(full.suites.map((s) => s.name)).toEqual(['smoke', 'load', 'rate-limit', 'concurrency-10k']);
    const c10k = full.suites.find((s) => s.name === 'concurrency-10k')!.scenarios[0]!;
    expect(c10k.thresholds).toEqual({ http_req_duration: ['p(95)<200'], http_req_failed: ['rate<0.001'] });
    expect(Math.max(...(c10k as { stages?: Array<{ target: number }> }).stages!.map((s) => s.target))).toBe(10_000);

    const quick = planGate({ profile: 'quick', drills: 'none', scan: false });
    expect(quick.suites.map((s) => s.name)).toEqual(['smoke', 'load', 'rate-limit']);
  });

  it("takes drill files beside the bundled names, loaded for the gate's profile, and refuses two drills of one name", () => {
    const file = repoPath('test', 'shop', 'catalog-down.yaml');
    const plan = planGate({ profile: 'quick', suites: 'none', drills: `pg-down,${file}`, scan: false });
    expect(plan.drills.map((d) => d.name)).toEqual(['pg-down', 'catalog-down']);
    expect(plan.drills[1]!.method[0]!.action).toEqual({
      kind: 'toxiproxy',
      spec: { proxy: 'catalog', enabled: false },
    });
    expect(() => planGate({ profile: 'quick', suites: 'none', drills: `${file},${file}`, scan: false })).toThrow(
      /two drills are named "catalog-down"/,
    );
    expect(() => planGate({ profile: 'quick', suites: 'none', drills: 'nowhere/drill.yaml', scan: false })).toThrow(
      /--drills: cannot read drill file/,
    );
  });
});
