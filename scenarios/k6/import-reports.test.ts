import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/testing.ts';

// The hand-written two-runner fixtures (see import.test.ts): each runner passes alone, together they fail dropped_iterations count<5.
const fixture = (n: number) => path.join(import.meta.dirname, 'fixtures', `k6-runner-${n}.json`);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rampart-k6-reports-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function reports(args: string[], dir: string) {
  const res = await runCli(['k6', 'import', ...args, '--out', dir, '--format', 'html,json,junit,md']);
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  const junit = new XMLParser({ ignoreAttributes: false }).parse(read('junit.xml')).testsuites;
  const cases = ([] as Array<Record<string, unknown>>).concat(junit.testsuite.testcase ?? []);
  return {
    res,
    md: read('summary.md'),
    html: read('report.html'),
    junit,
    cases,
    verdicts: JSON.parse(read('verdicts.json')) as { verdict: string; source: string; thresholds: unknown[] },
  };
}

describe('k6 import reports agree with its exit code', () => {
  it('a threshold that fails over the merged runners: exit 1, and every report says FAIL and shows the threshold', async () => {
    const r = await reports([fixture(0), fixture(1)], path.join(tmp, 'fail'));
    expect(r.res.code).toBe(1);
    expect(r.verdicts.verdict).toBe('fail');
    expect(r.verdicts.source).toBe('k6 import of 2 runners');
    expect(r.verdicts.thresholds).toHaveLength(4);
    expect(r.md.split('\n')[0]).toMatch(/^## ❌ rampart: 1 of 1 objectives breached/);
    expect(r.md).toContain('· k6 import of 2 runners ·');
    expect(r.md).not.toContain('managed stack');
    expect(r.md).toMatch(/\| ❌ FAIL \| k6 test \| dropped_iterations count<5 \| 6 \| FAIL \|/);
    expect(r.md).toMatch(
      /\| ✅ PASS \| k6 test \| http_req_duration p\(95\)<200 \| [\d.]+ \| (PASS|INCONCLUSIVE) \(value 95 % bounds/,
    );
    expect(r.html).toContain('id="verdict" class="banner fail"');
    expect(r.html).toContain('k6 import of 2 runners');
    expect(r.html).toMatch(/data-threshold="dropped_iterations count&lt;5" data-outcome="fail"/);
    // JUnit: one case per threshold, as k6's JUnit summary lists them.
    expect(r.junit['@_tests']).toBe('4');
    expect(r.junit['@_failures']).toBe('1');
    const dropped = r.cases.find((c) => c['@_name'] === 'k6 test: dropped_iterations count<5');
    expect((dropped?.failure as Record<string, string>)['@_message']).toContain('observed 6');
  });

  it('one runner alone passes: exit 0, and every report says PASS', async () => {
    const r = await reports([fixture(0)], path.join(tmp, 'pass'));
    expect(r.res.code).toBe(0);
    expect(r.verdicts.verdict).toBe('pass');
    expect(r.md.split('\n')[0]).toBe('## ✅ rampart: every objective holds');
    expect(r.md).toContain('· k6 import of 1 runner ·');
    expect(r.html).toContain('id="verdict" class="banner pass"');
    expect(r.junit['@_tests']).toBe('4');
    expect(r.junit['@_failures']).toBe('0');
    expect(r.junit['@_errors']).toBe('0');
  });
});
