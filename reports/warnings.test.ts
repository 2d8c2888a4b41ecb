import { describe, expect, it } from 'vitest';
import { evaluate, withVerdicts } from './evaluate.ts';
import { renderHtml } from './render/html.ts';
import { renderJunit } from './render/junit.ts';
import { renderMarkdown } from './render/markdown.ts';
import { renderTextTable } from './render/text-table.ts';
import { sloSpecSchema } from './slo-spec.ts';
import { syntheticRecord } from './testing.ts';
import { renderWarningsText, verdictWarnings } from './warnings.ts';
import type { Finding, ScenarioSummary } from './run-record.ts';

const summary = (scenario: string, valid: boolean, codes: Record<string, number> = {}): ScenarioSummary => ({
  scenario,
  executor: 'constant-arrival-rate',
  startedAt: 0,
  endedAt: 10_000,
  requests: 200,
  errors: 0,
  late: 0,
  dropped: 0,
  rate: { target: 20, achieved: valid ? 20 : 12 },
  latencyMs: { p50: 1, p90: 1, p95: 1, p99: 1, p999: 1, max: 1 },
  checks: { passed: 0, failed: 0 },
  codes,
  valid,
  invalidReasons: valid ? [] : ['achieved 12/s of 20/s'],
});

const low: Finding = {
  id: 'x',
  ruleId: 'rampart-headers-csp',
  title: 'no CSP',
  category: 'misconfiguration',
  severity: 'low',
  endpoint: 'GET /',
  description: 'd',
  evidence: null,
  source: 'rampart',
};

/** A PASS weakened by everything the notes used to hide. */
function weakenedPass() {
  const record = syntheticRecord(
    { seconds: 10, rps: 20, scenario: 'load', latencyMs: () => 5 },
    {
      summaries: [summary('load', true, { template: 3, 200: 197 }), summary('drill:pg-latency', false)],
      findings: [low],
      parts: [{ kind: 'scan', name: 'security', status: 'ran', startedAt: null, endedAt: null }],
      notes: [
        'login-storm: teardown failed for 20 of 20 users (first: user 0 at POST /v1/auth/logout: template value {{user.accessToken}} is not set)',
        'security scan: fuzzing sent 296 cases (seed 1), 29 answered 429 and were not evaluated',
        'security scan: left on the target (21; everything the scan made is tagged "rampart"): post 1; post 2',
        'load: generator loop lag p99 1 ms, max 3 ms, CPU 10 % of a core',
      ],
    },
  );
  const spec = sloSpecSchema.parse({
    service: 't',
    objectives: [{ name: 'security', kind: 'security', minSeverity: 'high' }],
  });
  return withVerdicts(record, spec, evaluate(record, spec));
}

describe('warnings above the fold', () => {
  it('collects what weakens a verdict and leaves out what only informs', () => {
    const w = verdictWarnings(weakenedPass());
    expect(w).toEqual([
      'load: 3 request(s) never sent (a template value was missing at run time): not in the latency nor the rate',
      'INVALID measurement of drill:pg-latency: achieved 12/s of 20/s',
      expect.stringContaining('login-storm: teardown failed for 20 of 20 users'),
      expect.stringContaining('29 answered 429 and were not evaluated'),
      expect.stringContaining('left on the target (21;'),
    ]);
  });

  it("stands under the verdict in the terminal, the Markdown, the HTML and JUnit's system-out", () => {
    const r = weakenedPass();
    expect(r.verdict).toBe('pass');
    const text = renderTextTable(r.verdicts, r.verdict) + renderWarningsText(verdictWarnings(r));
    expect(text.indexOf('verdict: PASS')).toBeLessThan(text.indexOf('warnings (these weaken the verdict above'));
    expect(text).toContain('  ! INVALID measurement of drill:pg-latency');
    const md = renderMarkdown(r);
    expect(md.indexOf('**Warnings**')).toBeGreaterThan(md.indexOf('## ✅'));
    expect(md.indexOf('**Warnings**')).toBeLessThan(md.indexOf('| | Objective'));
    expect(md).toContain('> - login-storm: teardown failed for 20 of 20 users');
    const html = renderHtml(r);
    expect(html.indexOf('id="warnings"')).toBeGreaterThan(html.indexOf('id="verdict"'));
    expect(html.indexOf('id="warnings"')).toBeLessThan(html.indexOf('<h2>Objectives'));
    expect(html).toContain('<h2>Warnings (5)</h2>');
    const xml = renderJunit(r);
    expect(xml).toMatch(
      /<system-out>Warnings \(these weaken the verdict\):\n! load: 3 request\(s\) never sent[^<]*\n! INVALID measurement of drill:pg-latency[^<]*Notes:\n/,
    );
  });

  it('a clean run has no warnings block anywhere', () => {
    const r = syntheticRecord(
      { seconds: 5, rps: 20, scenario: 'load', latencyMs: () => 5 },
      { notes: ['load: generator loop lag p99 1 ms'] },
    );
    expect(verdictWarnings(r)).toEqual([]);
    expect(renderWarningsText([])).toBe('');
    expect(renderMarkdown(r)).not.toContain('Warnings');
    expect(renderHtml(r)).not.toContain('id="warnings"');
  });

  it('"0 findings ≥ high of 1" names the one', () => {
    const v = weakenedPass().verdicts.find((x) => x.kind === 'security');
    expect(v?.measured).toBe('0 findings ≥ high of 1: the other is low rampart-headers-csp GET /');
  });

  it('the terminal table wraps a long measured value instead of cutting it', () => {
    const r = weakenedPass();
    const long =
      'p95 187 ms over 4800 requests (95 % CI 180 ms – 196 ms); worst 60-s window 199.5 ms, the budget nearly spent by the second minute';
    const t = renderTextTable([{ ...r.verdicts[0]!, measured: long }], 'pass');
    expect(t).not.toContain('…');
    const flat = t
      .split('\n')
      .map((l) => l.trim())
      .join(' ')
      .replace(/\s+/g, ' ');
    for (const word of long.split(' ')) expect(flat).toContain(word);
    expect(Math.max(...t.split('\n').map((l) => l.length))).toBeLessThanOrEqual(160);
  });
});
