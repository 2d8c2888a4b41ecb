import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/testing.ts';
import { writeRunRecord } from './index.ts';
import { syntheticRecord } from './testing.ts';

let dir: string;
const th = [
  {
    scenario: 'x',
    metric: 'http_req_failed',
    expression: 'rate<0.1',
    ok: true,
    outcome: 'pass' as const,
    value: 0,
    abortedRun: false,
  },
];
const run = (name: string, ms: number) =>
  writeRunRecord(
    path.join(dir, name),
    syntheticRecord({ seconds: 10, rps: 20, scenario: 'x', latencyMs: () => ms }, { thresholds: th }),
  );

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-regression-gate-'));
  await run('base.json', 10);
  await run('small.json', 12); // +20 %, but 2 ms
  await run('big.json', 170);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const report = (file: string, out: string, ...extra: string[]) =>
  runCli([
    'report',
    path.join(dir, file),
    '--baseline',
    path.join(dir, 'base.json'),
    '--format',
    'junit,md',
    '--out',
    path.join(dir, out),
    ...extra,
  ]);

describe('--fail-on-regression', () => {
  it('a regression that fails the run is a JUnit <failure>, so CI shows the failed test beside the red step', async () => {
    const r = await report('big.json', 'big', '--fail-on-regression', '10%,5ms');
    expect(r.code, r.stdout).toBe(1);
    const xml = await readFile(path.join(dir, 'big', 'junit.xml'), 'utf8');
    expect(xml).toMatch(/<testsuites name="rampart" tests="\d+" failures="[1-9]\d*"/);
    expect(xml).toMatch(
      /<testcase classname="rampart.regression" name="x GET \S+ p95 vs baseline" time="0"><failure message="x GET \S+ p95 vs baseline: 10(\.\d+)? → 17\d(\.\d+)? ms \(\+\d+\.\d %\), more than 10 % worse \(a latency also by ≥ 5 ms\)/,
    );
  });

  it('needs a minimum absolute change: +20 % that is 2 ms does not fail (5 ms by default), and does with ,0ms', async () => {
    const lenient = await report('small.json', 'small', '--fail-on-regression', '10');
    expect(lenient.code, lenient.stdout).toBe(0);
    const xml = await readFile(path.join(dir, 'small', 'junit.xml'), 'utf8');
    expect(xml).toMatch(/failures="0"/);
    expect(xml).toContain('classname="rampart.regression"');
    const strict = await report('small.json', 'small0', '--fail-on-regression', '10%,0ms');
    expect(strict.code, strict.stdout).toBe(1);
    expect(strict.stdout).toMatch(/FAIL: \d+ value\(s\) regressed more than 10 %/);
  });

  it('rampart report --baseline marks what the gate would fail: a 2-ms move is not regressed, a 160-ms one is', async () => {
    const marked = async (file: string, out: string, ...extra: string[]) => {
      const r = await runCli([
        'report',
        path.join(dir, file),
        '--baseline',
        path.join(dir, 'base.json'),
        '--format',
        'json',
        '--out',
        path.join(dir, out),
        ...extra,
      ]);
      expect(r.code, r.stderr).toBeLessThan(2);
      const json = JSON.parse(await readFile(path.join(dir, out, 'verdicts.json'), 'utf8')) as {
        comparison: { minAbsoluteMs: number; rows: Array<{ regressed: boolean }> };
      };
      expect(json.comparison.rows.length).toBeGreaterThan(0);
      return json.comparison;
    };
    const small = await marked('small.json', 'small-report');
    expect(small.minAbsoluteMs).toBe(5);
    expect(small.rows.filter((row) => row.regressed)).toEqual([]);
    expect(
      (await marked('small.json', 'small-gate', '--fail-on-regression', '10')).rows.filter((row) => row.regressed),
    ).toEqual([]);
    expect((await marked('big.json', 'big-report')).rows.some((row) => row.regressed)).toBe(true);
    // Asked for: ,0ms marks the 2-ms move in the report alike.
    expect(
      (await marked('small.json', 'small-0', '--fail-on-regression', '10%,0ms')).rows.some((row) => row.regressed),
    ).toBe(true);
  });

  it('without --fail-on-regression a regression is marked, not a JUnit failure', async () => {
    const r = await report('big.json', 'marked');
    expect(r.code, r.stdout).toBe(0);
    const xml = await readFile(path.join(dir, 'marked', 'junit.xml'), 'utf8');
    expect(xml).not.toContain('rampart.regression');
  });

  it('a malformed value is bad input naming the form', async () => {
    const r = await report('big.json', 'bad', '--fail-on-regression', '10%,5');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('10%,5ms');
  });
});
