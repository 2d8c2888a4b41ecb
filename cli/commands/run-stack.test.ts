import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rampart-run-stack-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('rampart run against the managed stack', () => {
  it('starts PostgreSQL, Redis and the seeded target, passes smoke and proves the rate limit, and writes run.json', async () => {
    const { code, stdout, stderr } = await runCli(['run', 'smoke', 'rate-limit', '--profile', 'quick', '--out', tmp]);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    const record = JSON.parse(readFileSync(path.join(tmp, 'run.json'), 'utf8')) as {
      meta: { target: string };
      summaries: Array<{ scenario: string; requests: number; checks: { passed: number; failed: number } }>;
      thresholds: Array<{ ok: boolean }>;
      samples: Array<{ tag: string; status: Record<string, number> }>;
      processes: Array<{ process: string; cpu: number; rssMb: number }>;
    };
    expect(record.meta.target).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(record.summaries.map((s) => s.scenario)).toEqual(['smoke', 'rate-limit']);
    expect(record.summaries.every((s) => s.checks.failed === 0 && s.checks.passed > 0)).toBe(true);
    expect(record.thresholds.every((t) => t.ok)).toBe(true);
    // The 101st request of one user was refused with 429; 100 passed before it.
    const tagged = (tag: string, cls: string) =>
      record.samples.filter((s) => s.tag === tag).reduce((a, s) => a + (s.status[cls] ?? 0), 0);
    expect(tagged('within the limit (1-100)', '2xx')).toBe(100);
    expect(tagged('the 101st', '4xx')).toBe(1);
    expect(tagged('another user is unaffected', '2xx')).toBe(1);
    // Where the time went, per process group of the stack (suites only: no fault proxy) and rampart itself.
    expect(new Set(record.processes.map((p) => p.process))).toEqual(
      new Set(['postgres', 'redis', 'target', 'rampart']),
    );
    const cpuOf = (name: string) => record.processes.filter((p) => p.process === name).reduce((a, p) => a + p.cpu, 0);
    expect(cpuOf('target')).toBeGreaterThan(0);
    expect(cpuOf('postgres')).toBeGreaterThan(0);
    expect(Math.max(...record.processes.filter((p) => p.process === 'target').map((p) => p.rssMb))).toBeGreaterThan(20);
  }, 180_000);
});
