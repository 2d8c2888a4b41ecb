import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort, isRampartError, loadEnvConfig } from '../common/index.ts';
import { loadSuite } from '../scenarios/index.ts';
import { loadDrill } from '../chaos/index.ts';
import { runSession, type SessionIo } from './run-session.ts';

const io = (env: Record<string, string> = {}): SessionIo & { lines: string[] } => {
  const lines: string[] = [];
  return {
    env: loadEnvConfig(env),
    signal: new AbortController().signal,
    log: (l) => lines.push(l),
    progress: new PassThrough(),
    lines,
  };
};

describe('runSession when the environment fails', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-run-session-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a --target that does not answer: the first part fails, the rest are skipped, and run.json is still written', async () => {
    const target = `http://127.0.0.1:${await getFreePort()}`;
    const suites = ['smoke', 'rate-limit'].map((n) => loadSuite(n, 'quick'));
    const out = path.join(dir, 'target');
    const o = await runSession(
      { command: 'test', profile: 'quick', target: new URL(target), suites, drills: [], scan: null },
      io(),
      { outDir: out, formats: [] },
    );
    expect(isRampartError(o.fatal) && o.fatal.category).toBe('environment');
    expect(o.errors).toEqual([o.fatal]);
    const record = JSON.parse(await readFile(path.join(out, 'run.json'), 'utf8')) as {
      parts: Array<{ name: string; status: string; note?: string }>;
    };
    expect(
      record.parts.map(({ name, status, note }) => ({ name, status, note: status === 'failed' ? 'failed' : note })),
    ).toEqual([
      { name: 'smoke', status: 'failed', note: 'failed' },
      { name: 'rate-limit', status: 'skipped', note: 'not run after an environment failure' },
    ]);
    expect(o.written).toEqual({ record: path.join(out, 'run.json') });
  });

  it('a managed stack that cannot start (DATABASE_URL does not answer): every part recorded as skipped, run.json still written', async () => {
    const env = { DATABASE_URL: `postgres://u:p@127.0.0.1:${await getFreePort()}/app` };
    const out = path.join(dir, 'managed');
    const s = io(env);
    const o = await runSession(
      {
        command: 'test',
        profile: 'quick',
        target: null,
        suites: [loadSuite('smoke', 'quick'), loadSuite('load', 'quick')],
        drills: [loadDrill('pg-latency', 'quick')],
        scan: null,
      },
      s,
      { outDir: out, formats: ['md'] },
    );
    expect(isRampartError(o.fatal) && o.fatal.category).toBe('environment');
    // One attempt: after the first stack fails to start, the other groups are not tried.
    expect(s.lines.filter((l) => l.startsWith('starting the managed stack'))).toHaveLength(1);
    const record = JSON.parse(await readFile(path.join(out, 'run.json'), 'utf8')) as {
      parts: Array<{ kind: string; name: string; status: string; note?: string }>;
      notes: string[];
    };
    expect(record.parts.map((p) => `${p.kind} ${p.name} ${p.status}: ${p.note}`)).toEqual([
      // In stack-group order: smoke's stack, load's (raised limits), the drills' (its load suite's stack settings).
      'suite smoke skipped: the managed stack did not start',
      'suite load skipped: the managed stack did not start',
      'drill pg-latency skipped: the managed stack did not start',
    ]);
    expect(record.notes.join('\n')).toMatch(/managed stack did not start/);
    expect(Object.keys(o.written)).toEqual(['record', 'md']);
  }, 60_000);
});
