import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getFreePort } from '../../common/index.ts';
import { runCli } from '../testing.ts';
import { spawnLocalServer } from '../../scenarios/testing.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rampart-cli-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (...args: string[]) => runCli(args);

describe('rampart load', () => {
  it('writes --summary-json in exactly the documented shape', async () => {
    await using srv = await spawnLocalServer({ kind: 'trivial' });
    const file = path.join(tmp, 'summary.json');
    const r = await cli('load', `${srv.url}/x`, '--rate', '100', '--duration', '1s', '--summary-json', file);
    // Exit 0, unless this busy machine kept the generator from delivering the rate: then it says so and exits 1.
    if (/INCONCLUSIVE: the measurement is invalid/.test(r.stderr)) expect(r.code).toBe(1);
    else expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      'requests',
      'errors',
      'rate',
      'latencyMs',
      'late',
      'dropped',
      'droppedAtCap',
      'timeouts',
      'warnings',
    ]);
    expect(Object.keys(json.rate as object)).toEqual(['target', 'achieved']);
    expect(Object.keys(json.latencyMs as object)).toEqual(['p50', 'p90', 'p95', 'p99', 'p999', 'max']);
    expect(json).toMatchObject({
      requests: 100,
      errors: 0,
      rate: { target: 100 },
      late: 0,
      dropped: 0,
      droppedAtCap: 0,
      timeouts: 0,
      warnings: [],
    });
    expect(r.stdout).toContain('p99.9');
    // Not a TTY: quiet progress lines (elapsed, achieved/target rate, p95, errors).
    expect(r.stderr).toMatch(/load \d+s\/1s \d+\/100 req\/s p95 [\d.]+ms errors 0/);
  });

  it('reports rate.target null in the closed model (--vus)', async () => {
    await using srv = await spawnLocalServer({ kind: 'status', status: 503 });
    const file = path.join(tmp, 'vus.json');
    const r = await cli('load', srv.url, '--vus', '4', '--duration', '500ms', '--summary-json', file);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(file, 'utf8')) as { requests: number; errors: number; rate: { target: null } };
    expect(json.rate.target).toBeNull();
    expect(json.requests).toBeGreaterThan(0);
    expect(json.errors).toBe(json.requests);
  });

  it('exits 3 naming an unreachable target', async () => {
    const port = await getFreePort();
    const r = await cli('load', `http://127.0.0.1:${port}/`, '--rate', '10', '--duration', '1s');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
  });

  it('exits 2 naming a bad flag value', async () => {
    for (const [args, flag] of [
      [['--rate', 'lots'], '--rate'],
      [['--rate', '5', '--vus', '5'], '--vus'],
      [['--duration', 'soon'], '--duration'],
      [['--header', 'nocolon'], '--header'],
      [['--method', 'FETCH'], '--method'],
    ] as const) {
      const r = await cli('load', 'http://127.0.0.1:1/', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(flag);
    }
  });
});

describe('rampart run', () => {
  const suite = (thresholds: Record<string, string[]>, extra: Record<string, unknown> = {}) => ({
    name: 'tiny',
    description: 'test suite',
    scenarios: [
      {
        name: 'tiny',
        executor: 'constant-arrival-rate',
        rate: 50,
        duration: '1s',
        flows: [{ name: 'get', steps: [{ path: '/' }] }],
        thresholds,
        thresholdWindows: [],
        ...extra,
      },
    ],
  });

  it('exits 1 when a threshold fails and still writes run.json', async () => {
    await using srv = await spawnLocalServer({ kind: 'status', status: 500 });
    const file = path.join(tmp, 'failing.json');
    writeFileSync(file, JSON.stringify(suite({ http_req_failed: ['rate<0.01'] })));
    const out = path.join(tmp, 'out-fail');
    const r = await cli('run', file, '--target', srv.url, '--out', out);
    expect(r.code).toBe(1);
    const record = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as {
      thresholds: Array<{ ok: boolean; value: number }>;
      samples: unknown[];
    };
    expect(record.thresholds).toMatchObject([{ metric: 'http_req_failed', ok: false, value: 1 }]);
    expect(record.samples.length).toBeGreaterThan(0);
  });

  it('exits 0 when every threshold holds', async () => {
    await using srv = await spawnLocalServer({ kind: 'trivial' });
    const file = path.join(tmp, 'passing.json');
    // Sized to earn both (rate<0.01 and a p99 each need >= 299 clean requests at 95 %): 600 requests, 2x that.
    writeFileSync(
      file,
      JSON.stringify(
        suite({ http_req_failed: ['rate<0.01'], http_req_duration: ['p(99)<1000'] }, { rate: 200, duration: '3s' }),
      ),
    );
    const r = await cli('run', file, '--target', srv.url, '--out', path.join(tmp, 'out-pass'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('exits 2 naming the bad field of a scenario file', async () => {
    const file = path.join(tmp, 'bad.json');
    writeFileSync(file, JSON.stringify(suite({ http_req_duration: ['p95<200'] }, { rate: -5 })));
    const r = await cli('run', file, '--target', 'http://127.0.0.1:1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('scenarios[0]');
    expect(r.stderr).toContain('rate');
    expect(r.stderr).toContain('thresholds.http_req_duration[0]');
    const badExec = path.join(tmp, 'bad-exec.json');
    writeFileSync(badExec, JSON.stringify(suite({}, { executor: 'constant-arrivals' })));
    const r2 = await cli('run', badExec, '--target', 'http://127.0.0.1:1');
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('executor');
  });

  it('exits 2 for an unknown suite and 3 for --engine k6 without k6 on PATH', async () => {
    const r = await cli('run', 'no-such-suite', '--target', 'http://127.0.0.1:1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-suite');
    const k = await cli('run', 'smoke', '--engine', 'k6', '--target', 'http://127.0.0.1:1');
    expect(k.code).toBe(3);
    expect(k.stderr).toContain('k6 is not on PATH');
  });
});
