import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvConfig } from '../common/index.ts';
import { listSuites, loadSuite, type Suite } from '../scenarios/index.ts';
import { runSession } from './index.ts';

/** A bundled suite cut to a few seconds and a few users: enough to run its setup, some load and its teardown. */
function shortened(suite: Suite): Suite {
  for (const sc of suite.scenarios as unknown as Array<Record<string, unknown>>) {
    const setup = sc.setup as { users?: { count: number } } | undefined;
    if (setup?.users) setup.users.count = Math.min(setup.users.count, 4);
    switch (sc.executor) {
      case 'constant-arrival-rate':
        Object.assign(sc, { rate: Math.min(sc.rate as number, 10), duration: '3s' });
        break;
      case 'ramping-arrival-rate':
        Object.assign(sc, { startRate: Math.min(sc.startRate as number, 5), stages: [{ target: 10, duration: '3s' }] });
        break;
      case 'ramping-vus':
        Object.assign(sc, { startVUs: Math.min(sc.startVUs as number, 5), stages: [{ target: 5, duration: '3s' }] });
        break;
      case 'constant-vus':
        Object.assign(sc, { vus: Math.min(sc.vus as number, 5), duration: '3s' });
        break;
      default:
        break;
    }
  }
  return suite;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-teardowns-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("the bundled suites' teardowns", () => {
  it('every bundled suite with a teardown runs it for each of its users without a failure, on the managed stack', async () => {
    const suites = listSuites()
      .map((n) => loadSuite(n, 'quick'))
      .filter((s) => s.scenarios.some((sc) => sc.teardown?.users));
    expect(suites.map((s) => s.name)).toEqual(expect.arrayContaining(['load', 'soak']));
    const lines: string[] = [];
    const o = await runSession(
      {
        command: 'test',
        profile: 'quick',
        target: null,
        suites: suites.map(shortened),
        drills: [],
        scan: null,
        thresholdSemantics: 'k6',
      },
      {
        env: loadEnvConfig({}),
        signal: new AbortController().signal,
        log: (l) => lines.push(l),
        progress: new PassThrough(),
      },
      { outDir: dir, formats: [] },
    );
    expect(o.fatal, lines.join('\n')).toBeNull();
    const notes = o.record.notes.join('\n');
    expect(notes).not.toMatch(/teardown failed/);
    const ended = o.record.events.filter((e) => e.type === 'phase.ended' && e.label.endsWith(': teardown'));
    // Every scenario that has a teardown ran it, for some users, and none failed.
    const withTeardown = suites.flatMap((s) => s.scenarios.filter((sc) => sc.teardown?.users).map((sc) => sc.name));
    expect(ended.map((e) => e.scenario).sort()).toEqual([...withTeardown].sort());
    for (const e of ended) {
      const d = e.detail as { users: number; failed: number };
      expect(d.users, e.label).toBeGreaterThan(0);
      expect(d.failed, `${e.label}: ${notes}`).toBe(0);
    }
  }, 300_000);
});
