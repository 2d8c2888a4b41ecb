import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/testing.ts';
import { managedSeed } from './plan.ts';

const probeSuite = `name: probe
description: GET / a few times
stack: {}
scenarios:
  - name: probe
    executor: per-vu-iterations
    vus: 1
    iterations: 5
    maxDuration: 20s
    flows:
      - name: get
        steps:
          - { name: GET /, path: /, checks: [{ type: status, equals: 200 }] }
    thresholds:
      checks: ["rate==1"]
    thresholdWindows: []
`;

/** Signs in as the last seeded user: passes only on a stack seeded with managedSeed.users users. */
const seededSuite = `name: seeded
description: signs in as user${managedSeed.users}@example.test, who exists only when the managed stack was seeded
stack: {}
scenarios:
  - name: seeded
    executor: per-vu-iterations
    vus: 1
    iterations: 1
    maxDuration: 30s
    flows:
      - name: login
        steps:
          - name: POST /v1/auth/login
            method: POST
            path: /v1/auth/login
            body: { email: "user${managedSeed.users}@example.test", password: "password123!" }
            checks: [{ type: status, equals: 200 }]
    thresholds:
      checks: ["rate==1"]
    thresholdWindows: []
`;

const sloFor = (scenario: string) =>
  `objectives:\n  - name: ${scenario} thresholds\n    kind: threshold\n    scenario: ${scenario}\n`;

interface Rec {
  meta: { command: string; target: string };
  parts: Array<{ kind: string; name: string; status: string }>;
  events: Array<{ type: string; label: string; id?: string; detail?: Record<string, unknown> }>;
  thresholds: Array<{ ok: boolean }>;
  summaries: Array<{ scenario: string; checks: { passed: number; failed: number } }>;
  verdict: string;
}
const readRecord = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8')) as Rec;

describe('run and gate run a suite through the one session runner', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-session-'));
    await writeFile(path.join(dir, 'probe.yaml'), probeSuite);
    await writeFile(path.join(dir, 'probe-slo.yaml'), sloFor('probe'));
    await writeFile(path.join(dir, 'seeded.yaml'), seededSuite);
    await writeFile(path.join(dir, 'seeded-slo.yaml'), sloFor('seeded'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('against --target: the same parts and phases in both records', async () => {
    const server = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const run = await runCli(['run', path.join(dir, 'probe.yaml'), '--target', url, '--out', path.join(dir, 'run')]);
      expect(run.code, run.stderr).toBe(0);
      const gate = await runCli([
        'gate',
        '--target',
        url,
        '--suites',
        path.join(dir, 'probe.yaml'),
        '--drills',
        'none',
        '--no-scan',
        '--slo',
        path.join(dir, 'probe-slo.yaml'),
        '--out',
        path.join(dir, 'gate'),
      ]);
      expect(gate.code, gate.stderr).toBe(0);
      const [r, g] = [await readRecord(path.join(dir, 'run')), await readRecord(path.join(dir, 'gate'))];
      const shape = (x: Rec) => ({
        parts: x.parts.map(({ kind, name, status }) => ({ kind, name, status })),
        phases: x.events.filter((e) => e.id?.startsWith('session:')).map((e) => `${e.type} ${e.id}`),
        summaries: x.summaries.map((s) => [s.scenario, s.checks.passed, s.checks.failed]),
      });
      expect(shape(r)).toEqual({
        parts: [{ kind: 'suite', name: 'probe', status: 'ran' }],
        phases: ['phase.started session:suite:probe', 'phase.ended session:suite:probe'],
        summaries: [['probe', 5, 0]],
      });
      expect(shape(g)).toEqual(shape(r));
      expect([r.meta.command, g.meta.command]).toEqual([`run ${path.join(dir, 'probe.yaml')}`, 'gate']);
    } finally {
      server.close();
    }
  });

  it('on the managed stack: both start it seeded alike, the seeded user signs in, and the stack is gone afterwards', async () => {
    const run = await runCli(['run', path.join(dir, 'seeded.yaml'), '--out', path.join(dir, 'run-managed')]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const gate = await runCli([
      'gate',
      '--suites',
      path.join(dir, 'seeded.yaml'),
      '--drills',
      'none',
      '--no-scan',
      '--slo',
      path.join(dir, 'seeded-slo.yaml'),
      '--out',
      path.join(dir, 'gate-managed'),
    ]);
    expect(gate.code, gate.stdout + gate.stderr).toBe(0);
    for (const rec of [
      await readRecord(path.join(dir, 'run-managed')),
      await readRecord(path.join(dir, 'gate-managed')),
    ]) {
      const up = rec.events.filter((e) => e.type === 'process.ready' && e.label === 'managed stack up');
      expect(up.map((e) => ({ targetEnv: e.detail?.targetEnv, seed: e.detail?.seed }))).toEqual([
        { targetEnv: {}, seed: { users: 200, posts: 1000 } },
      ]);
      expect(rec.summaries).toEqual([
        expect.objectContaining({ scenario: 'seeded', checks: expect.objectContaining({ passed: 1, failed: 0 }) }),
      ]);
      expect(rec.verdict).toBe('pass');
      await expect(fetch(`${rec.meta.target}/livez`)).rejects.toThrow();
    }
  }, 240_000);
});
