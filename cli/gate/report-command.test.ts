import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeRunRecord } from '../../reports/index.ts';
import { fixtureRun } from '../../reports/testing.ts';
import { runCli } from '../testing.ts';

const cli = (args: string[]) => runCli(args);

describe('rampart report', () => {
  it('re-renders a run record with the spec stored in it, and exits 1 on a breach', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-report-'));
    const file = path.join(dir, 'run.json');
    await writeRunRecord(file, fixtureRun(60));
    const r = await cli(['report', file, '--format', 'md,junit', '--out', path.join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+feed p95/);
    expect(await readFile(path.join(dir, 'out', 'summary.md'), 'utf8')).toContain('## ❌ rampart');
    expect(await readFile(path.join(dir, 'out', 'junit.xml'), 'utf8')).toContain('<testcase');
  });

  it('judges with another --slo and compares with a --baseline', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-report-'));
    await writeRunRecord(path.join(dir, 'base.json'), fixtureRun(60, 10));
    await writeRunRecord(path.join(dir, 'run.json'), fixtureRun(60, 10));
    await writeFile(
      path.join(dir, 'slo.yaml'),
      'objectives:\n  - { name: recovery, kind: recovery-time, maxSeconds: 10 }\n',
    );
    const r = await cli([
      'report',
      path.join(dir, 'run.json'),
      '--slo',
      path.join(dir, 'slo.yaml'),
      '--baseline',
      path.join(dir, 'base.json'),
      '--format',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const verdicts = JSON.parse(await readFile(path.join(dir, 'verdicts.json'), 'utf8'));
    expect(verdicts.verdict).toBe('pass');
    expect(verdicts.comparison.rows.length).toBe(2);
    expect(verdicts.comparison.rows.every((row: { regressed: boolean }) => !row.regressed)).toBe(true);
  });

  it('exits 2 naming the flag on an unknown format, and naming the file on a bad record', async () => {
    const f = await cli(['report', 'x.json', '--format', 'pdf']);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('--format: unknown format "pdf"');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-report-'));
    await writeFile(path.join(dir, 'run.json'), '{"format":"something-else"}');
    const b = await cli(['report', path.join(dir, 'run.json')]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('is not a rampart run record');
  });
});
