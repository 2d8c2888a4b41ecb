import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../common/index.ts';
import { planGate } from './plan.ts';
import { gateSpec } from './spec.ts';

const suite = `name: mine
description: two routes of my API
scenarios:
  - name: mine
    executor: constant-arrival-rate
    rate: 10
    duration: 5s
    flows: [{ name: get, steps: [{ name: GET /, path: / }] }]
    thresholds:
      http_req_failed: ["rate<0.01"]
`;

describe('what the gate is judged by', () => {
  let dir: string;
  let mine: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-gate-spec-'));
    mine = path.join(dir, 'mine.yaml');
    await writeFile(mine, suite);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("against --target with no slo.yaml in the working directory: the objectives of what it ran, not SocialConnect's", async () => {
    const plan = planGate({
      profile: 'quick',
      suites: mine,
      drills: repoPath('test', 'shop', 'catalog-down.yaml'),
      scan: false,
    });
    const g = await gateSpec(plan, { sloFile: undefined, target: new URL('http://127.0.0.1:9'), cwd: dir });
    expect(g.spec.objectives.map((o) => `${o.name}: ${o.kind}`)).toEqual([
      'thresholds mine: threshold',
      'drill catalog-down: drill-passed',
    ]);
    expect(g.source).toMatch(/no slo\.yaml here/);
    expect(g.notRun).toEqual([]);
  });

  it('a slo.yaml in the working directory is the one used', async () => {
    const here = await mkdtemp(path.join(os.tmpdir(), 'rampart-gate-cwd-'));
    try {
      await writeFile(
        path.join(here, 'slo.yaml'),
        'objectives:\n  - { name: mine fast, kind: latency, scenario: mine, percentile: 95, lessThanMs: 100 }\n',
      );
      const plan = planGate({ profile: 'quick', suites: mine, drills: 'none', scan: false });
      const g = await gateSpec(plan, { sloFile: undefined, target: new URL('http://127.0.0.1:9'), cwd: here });
      expect(g.source).toBe('slo.yaml');
      // The suite's own thresholds are judged too: no threshold objective of the file covers them.
      expect(g.spec.objectives.map((o) => o.name)).toEqual(['mine fast', 'thresholds mine']);
    } finally {
      await rm(here, { recursive: true, force: true });
    }
  });

  it('objectives of parts the gate leaves out are "not run", named with the flag that left them out; uncovered suite thresholds are added', async () => {
    const plan = planGate({ profile: 'quick', suites: `smoke,${mine}`, drills: 'none', scan: false });
    const g = await gateSpec(plan, { sloFile: repoPath('slo.yaml'), target: null, cwd: dir });
    const kept = g.spec.objectives.map((o) => o.name);
    expect(kept).toEqual(['smoke', 'thresholds mine']);
    expect(g.notRun).toContain('load p95 — no suite of this gate has scenario load (--suites)');
    expect(g.notRun).toContain('drills pass — this gate runs no drill (--drills)');
    expect(g.notRun).toContain('security — this gate runs no scan (--no-scan)');
    expect(g.notRun).toContain('availability during worker crash — drill worker-crash is not in this gate (--drills)');
    // Requirements keep only objectives still judged (the stored spec must load again in `rampart report`).
    for (const r of g.spec.requirements) for (const n of r.objectives) expect(kept).toContain(n);
  });

  it("the managed stack with no slo.yaml anywhere near: the bundled backend's objectives, all of them for the default gate", async () => {
    const plan = planGate({ profile: 'quick', drills: 'none', suites: 'none', scan: true });
    const g = await gateSpec(plan, { sloFile: undefined, target: null, cwd: dir });
    expect(g.source).toBe(path.relative(dir, repoPath('slo.yaml')));
    expect(g.spec.objectives.map((o) => o.name)).toEqual(['security']);
  });
});
