import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../../../common/index.ts';
import { drillJsonSchema } from './json-schema.ts';
import { bundledDrillsDir, expandObjectives, listBundledDrills, loadDrill, mergeProfile } from './load-drill.ts';

describe('drill files', () => {
  it('schemas/drill.schema.json is what `npm run schema` generates now', async () => {
    const committed = JSON.parse(await readFile(repoPath('schemas', 'drill.schema.json'), 'utf8'));
    expect(committed, 'run `npm run schema` and commit schemas/drill.schema.json').toEqual(drillJsonSchema());
  });

  it("every bundled drill follows the JSON Schema and loads in both profiles, its full profile sized for the guide's values", async () => {
    const validate = new Ajv2020.default({ strict: false }).compile(drillJsonSchema());
    expect(listBundledDrills()).toEqual([
      'bandwidth-squeeze',
      'network-reset',
      'pg-down',
      'pg-latency',
      'pg-restart',
      'redis-down',
      'redis-latency',
      'worker-crash',
    ]);
    for (const name of listBundledDrills()) {
      const doc = parseYaml(await readFile(path.join(bundledDrillsDir, `${name}.yaml`), 'utf8'), { merge: true });
      expect(validate(doc), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      const quick = loadDrill(name, 'quick');
      const full = loadDrill(name, 'full');
      expect(quick.name).toBe(name);
      expect(quick.groups).toEqual({ read: ['GET /v1/feed', 'GET /v1/trending'], write: ['POST /v1/posts'] });
      expect(quick.reconcile).toHaveLength(1);
      expect(full.load.scenario.executor).toBe('constant-arrival-rate');
      expect((full.load.scenario as { rate: number }).rate).toBeGreaterThan(
        (quick.load.scenario as { rate: number }).rate,
      );
    }
    const crash = loadDrill('worker-crash', 'full');
    expect(crash.method.map((m) => m.at)).toEqual([1, 16, 31, 46, 61, 76, 91, 106]);
    expect(crash.during.find((o) => o.metric === 'availability')).toMatchObject({ tag: 'all', op: '>=', value: 0.999 });
    expect(loadDrill('pg-down', 'quick').method[0]).toMatchObject({
      label: 'pg down',
      at: 0,
      duration: 14,
      action: { kind: 'toxiproxy', spec: { proxy: 'postgres', enabled: false } },
    });
  });

  it("every bundled drill gives each of its users at most 60 requests a minute, 40 under the target's 100/min per-user limit for retries", () => {
    // Arrivals take the users in turn (users[iteration % count]); each user is its own account (drill-user-{{i}}),
    // signed in by the drill's own setup. Two users on one account, or a rate raised without users, spends the head-room.
    for (const name of listBundledDrills()) {
      for (const profile of ['quick', 'full'] as const) {
        const scenario = loadDrill(name, profile).load.scenario as {
          rate: number;
          timeUnit: string;
          setup?: { users?: { count: number; steps: Array<{ body?: { email?: string } }> } };
        };
        const users = scenario.setup?.users;
        expect(scenario.timeUnit, `${name} ${profile}`).toBe('1s');
        expect(users?.steps[0]?.body?.email, `${name} ${profile}`).toContain('{{i}}');
        expect(
          (scenario.rate * 60) / (users?.count ?? 1),
          `${name} ${profile}: requests per user-minute`,
        ).toBeLessThanOrEqual(60);
      }
    }
  });

  it('an objective entry is one objective per metric, named by the entry or by tag and metric', () => {
    expect(expandObjectives({ tag: 'GET /items/{id}', availability: '99%', p95: '200ms' })).toEqual([
      {
        name: 'GET /items/{id}: available at least 99 %',
        tag: 'GET /items/{id}',
        metric: 'availability',
        op: '>=',
        value: 0.99,
      },
      { name: 'GET /items/{id}: p95 within 200 ms', tag: 'GET /items/{id}', metric: 'p95', op: '<=', value: 200 },
    ]);
    expect(expandObjectives({ tag: 'all', errorRate: '0.5 %' })[0]).toMatchObject({
      metric: 'availability',
      op: '>=',
      value: 0.995,
    });
    expect(expandObjectives({ tag: 'all', name: 'nothing hangs', timeouts: 0 })[0]).toMatchObject({
      name: 'nothing hangs',
      metric: 'timeouts',
      op: '<=',
      value: 0,
    });
  });

  it('profiles merge objects key by key and replace lists', () => {
    expect(
      mergeProfile({ load: { suite: 'a.yaml', rate: 30 }, method: [1, 2] }, { load: { rate: 45 }, method: [3] }),
    ).toEqual({ load: { suite: 'a.yaml', rate: 45 }, method: [3] });
  });
});
