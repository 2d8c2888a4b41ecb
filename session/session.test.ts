import path from 'node:path';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../common/index.ts';
import { loadSuite } from '../scenarios/index.ts';
import { loadDrill } from '../chaos/index.ts';
import { managedSeed, planStacks, stackGroups } from './plan.ts';

const suites = () => ['smoke', 'load', 'rate-limit'].map((n) => loadSuite(n, 'quick'));
const raised = { RATE_LIMIT_PER_MINUTE: '1000000', RATE_LIMIT_ANON_PER_MINUTE: '1000000' };
const drillEnv = { RATE_LIMIT_ANON_PER_MINUTE: '100000' };

describe('session planning: one grouping rule, one seeding rule', () => {
  it('parts needing the same target settings share one stack, in order of first appearance; every stack is seeded alike', () => {
    const groups = planStacks({
      target: null,
      suites: suites(),
      drills: [loadDrill('pg-latency', 'quick'), loadDrill('worker-crash', 'quick')],
      scan: {},
    });
    expect(groups).toEqual([
      {
        targetEnv: {},
        seed: { users: 200, posts: 1000 },
        parts: [
          { kind: 'suite', name: 'smoke', targetEnv: {} },
          { kind: 'suite', name: 'rate-limit', targetEnv: {} },
          { kind: 'scan', name: 'security', targetEnv: {} },
        ],
      },
      {
        targetEnv: raised,
        seed: { users: 200, posts: 1000 },
        parts: [{ kind: 'suite', name: 'load', targetEnv: raised }],
      },
      // The drills' load suite raises the per-address limit on anonymous requests (its users sign in from one address).
      {
        targetEnv: drillEnv,
        seed: { users: 200, posts: 1000 },
        parts: [
          { kind: 'drill', name: 'pg-latency', targetEnv: drillEnv },
          { kind: 'drill', name: 'worker-crash', targetEnv: drillEnv },
        ],
      },
    ]);
    expect(managedSeed).toEqual({ users: 200, posts: 1000 });
  });

  it('target settings group regardless of key order; --target runs every part there in plan order, no stack, no seed', () => {
    const a = { kind: 'suite' as const, name: 'a', targetEnv: { X: '1', Y: '2' } };
    const b = { kind: 'suite' as const, name: 'b', targetEnv: {} };
    const c = { kind: 'suite' as const, name: 'c', targetEnv: { Y: '2', X: '1' } };
    expect(stackGroups([a, b, c]).map((g) => g.parts.map((p) => p.name))).toEqual([['a', 'c'], ['b']]);
    expect(planStacks({ target: new URL('http://127.0.0.1:1'), suites: suites(), drills: [], scan: null })).toEqual({
      target: new URL('http://127.0.0.1:1'),
      parts: [
        { kind: 'suite', name: 'smoke', targetEnv: {} },
        { kind: 'suite', name: 'load', targetEnv: raised },
        { kind: 'suite', name: 'rate-limit', targetEnv: {} },
      ],
    });
  });

  it('only cli/ imports session/, and session/ imports no cli/ (session sits between the commands and the parts)', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const full = path.join(dir, n);
        return statSync(full).isDirectory()
          ? files(full)
          : n.endsWith('.ts') && !n.endsWith('.test.ts') && n !== 'testing.ts'
            ? [full]
            : [];
      });
    for (const folder of ['chaos', 'common', 'reports', 'scenarios', 'security', 'stack', 'target']) {
      for (const f of files(repoPath(folder))) expect(readFileSync(f, 'utf8'), f).not.toMatch(/['"](\.\.\/)+session\//);
    }
    for (const f of files(repoPath('session'))) expect(readFileSync(f, 'utf8'), f).not.toMatch(/['"](\.\.\/)+cli\//);
  });
});
