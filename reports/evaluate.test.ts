import { describe, expect, it } from 'vitest';
import { evaluate, withVerdicts } from './evaluate.ts';
import { mergeRunRecords } from './merge.ts';
import { parseSloObject } from './slo-load.ts';
import type { SloSpecInput } from './slo-spec.ts';
import { syntheticRecord } from './testing/synthetic-record.ts';

const spec = (objectives: SloSpecInput['objectives']) => parseSloObject({ objectives });
const p95 = (extra: Record<string, unknown> = {}) => ({
  name: 'feed-p95',
  kind: 'latency' as const,
  percentile: 95,
  lessThanMs: 200,
  ...extra,
});

describe('evaluate: latency', () => {
  it('passes when p95 is under the target in the whole run and in every minute', () => {
    const r = syntheticRecord({ seconds: 120, rps: 30, latencyMs: (t, i) => 20 + ((t * 7 + i * 13) % 60) });
    const e = evaluate(r, spec([p95()]));
    expect(e.verdict).toBe('pass');
    const v = e.verdicts[0]!;
    expect(v.pass).toBe(true);
    expect(v.value).toBeGreaterThan(20);
    expect(v.value).toBeLessThan(200);
    expect(v.window?.seconds).toBe(60);
  });

  it('fails when every request takes 300 ms', () => {
    const r = syntheticRecord({ seconds: 30, rps: 20, latencyMs: () => 300 });
    const e = evaluate(r, spec([p95()]));
    expect(e.verdict).toBe('fail');
    expect(e.verdicts[0]!.value).toBeCloseTo(300, 0);
    expect(e.verdicts[0]!.measured).toContain('p95 300');
  });

  it('fails on a minute-long breach in the middle even though the whole-run p95 holds', () => {
    // 1500 s at 10 req/s; seconds 700..759 answer in 400 ms: 4 % of requests, under the 5 % p95 tolerates.
    const r = syntheticRecord({ seconds: 1500, rps: 10, latencyMs: (t) => (t >= 700 && t < 760 ? 400 : 30) });
    const whole = evaluate(r, spec([p95({ window: 0 })]));
    expect(whole.verdict).toBe('pass');
    const windowed = evaluate(r, spec([p95({ window: '60s' })]));
    expect(windowed.verdict).toBe('fail');
    const v = windowed.verdicts[0]!;
    expect(v.value).toBeCloseTo(400, 0);
    expect(v.window!.start).toBeGreaterThanOrEqual(r.meta.startedAt + 640_000);
    expect(v.window!.start).toBeLessThanOrEqual(r.meta.startedAt + 760_000);
  });

  it('reads only the named scenario and tag', () => {
    const r = syntheticRecord({
      seconds: 20,
      rps: 20,
      tags: ['GET /v1/feed', 'POST /v1/posts'],
      latencyMs: (_t, _i, tag) => (tag === 'POST /v1/posts' ? 500 : 10),
    });
    const e = evaluate(r, spec([p95({ tag: 'GET /v1/feed' }), p95({ name: 'posts', tag: 'POST /v1/posts' })]));
    expect(e.verdicts.map((v) => v.pass)).toEqual([true, false]);
    expect(e.verdicts[1]!.evidence).toContain('tag=POST /v1/posts');
  });
});

describe('evaluate: missing evidence is a failure, not a pass', () => {
  it('every objective whose evidence the record lacks is inconclusive, never a pass', () => {
    const r = syntheticRecord({ seconds: 5, rps: 5 });
    const e = evaluate(
      r,
      spec([
        p95({ scenario: 'spike' }),
        { name: 'drill-availability', kind: 'availability', target: 0.999, during: 'drill' },
        { name: 'recovery', kind: 'recovery-time', maxSeconds: 30 },
        { name: 'rate-limit', kind: 'rate-limit' },
        { name: 'security', kind: 'security' },
        { name: 'thresholds', kind: 'threshold' },
        { name: 'drills', kind: 'drill-passed' },
        { name: 'data', kind: 'data-reconciled' },
      ]),
    );
    expect(e.verdict).toBe('inconclusive');
    expect(e.verdicts).toHaveLength(8);
    for (const v of e.verdicts) {
      expect(v.pass, v.objective).toBe(false);
      expect(v.outcome, v.objective).toBe('inconclusive');
      expect(v.reason, v.objective).toBeTruthy();
      expect(v.measured, v.objective).toBe('not measured');
      expect(v.notes.join(' ')).toMatch(/missing evidence/);
    }
  });

  it('an empty record is inconclusive for a latency objective', () => {
    const r = syntheticRecord({ seconds: 0 });
    expect(evaluate(r, spec([p95()])).verdict).toBe('inconclusive');
  });
});

describe('evaluate: ratio objectives, error budget and burn rate', () => {
  it('computes burn = error rate / (1 - target) and the budget left', () => {
    // 1 request in 200 fails: 0.5 % against a 1 % budget → burn 0.5, half the budget left.
    const r = syntheticRecord({ seconds: 400, rps: 20, failure: (t, i) => ((t * 20 + i) % 200 === 0 ? '5xx' : null) });
    const v = evaluate(r, spec([{ name: 'errors', kind: 'error-rate', max: 0.01 }])).verdicts[0]!;
    expect(v.pass).toBe(true);
    expect(v.value).toBeCloseTo(0.005, 6);
    expect(v.burnRate).toBeCloseTo(0.5, 3);
    expect(v.budgetRemaining).toBeCloseTo(0.5, 3);
    // Workbook windows scaled 1/60: 1h→1m and 6h→6m fit in 400 s; 24h→24m and 72h→72m do not.
    expect(v.burnRates.map((b) => b.threshold)).toEqual([14.4, 6]);
    expect(v.burnRates.every((b) => !b.alert)).toBe(true);
    expect(v.notes).toContain('burn-rate windows 24m, 72m not reported: the run (6m40s) is shorter');
    expect(v.burnRates[0]!.window).toBe('1m/5s (workbook 1h/5m)');
  });

  it('raises the fast-burn alert when errors burst, and fails the objective', () => {
    const r = syntheticRecord({ seconds: 400, rps: 20, failure: (t) => (t >= 100 && t < 190 ? '5xx' : null) });
    const v = evaluate(r, spec([{ name: 'errors', kind: 'error-rate', max: 0.01 }])).verdicts[0]!;
    expect(v.pass).toBe(false);
    expect(v.budgetRemaining!).toBeLessThan(0);
    expect(v.burnRates[0]!.alert).toBe(true);
    expect(v.burnRates[0]!.burnRate).toBeCloseTo(100, 0);
  });

  it('judges availability during each drill on the drill time span only', () => {
    const start = Date.UTC(2026, 0, 1, 12, 0, 0);
    const drill = (name: string, from: number, to: number) => ({
      name,
      passed: true,
      startedAt: start + from * 1000,
      endedAt: start + to * 1000,
      faults: [],
      recoverySeconds: 1,
      reconciliation: null,
      checks: [],
      skipped: [],
      aborted: null,
    });
    // 5,000 clean requests show 99.9 % (the Clopper–Pearson bound needs 2,995); 200 failures in 5,000 breach it.
    const r = syntheticRecord(
      { seconds: 100, rps: 100, startedAt: start, failure: (t) => (t >= 60 && t < 62 ? 'net' : null) },
      { drills: [drill('calm', 0, 50), drill('stormy', 50, 100)] },
    );
    const vs = evaluate(r, spec([{ name: 'avail', kind: 'availability', target: 0.999, during: 'drill' }])).verdicts;
    expect(vs.map((v) => [v.objective, v.pass])).toEqual([
      ['avail[calm]', true],
      ['avail[stormy]', false],
    ]);
    expect(vs[1]!.value).toBeCloseTo(1 - 200 / 5000, 6);
  });
});

describe('evaluate: drills, security, thresholds', () => {
  const start = Date.UTC(2026, 0, 1, 12, 0, 0);
  const baseDrill = {
    name: 'pg-latency',
    passed: true,
    startedAt: start,
    endedAt: start + 30_000,
    faults: [{ label: 'pg +500ms', start: start + 5000, end: start + 15_000 }],
    recoverySeconds: 4,
    reconciliation: { acknowledged: 100, found: 100, lost: 0, duplicated: 0 },
    checks: [{ name: 'steady', ok: true, detail: '' }],
    skipped: [],
    aborted: null,
  };
  const objectives: SloSpecInput['objectives'] = [
    { name: 'recovery', kind: 'recovery-time', maxSeconds: 10 },
    { name: 'drills', kind: 'drill-passed' },
    { name: 'data', kind: 'data-reconciled' },
  ];

  it('passes a drill that recovered in time with no data lost', () => {
    const r = syntheticRecord({ seconds: 1 }, { drills: [baseDrill] });
    expect(evaluate(r, spec(objectives)).verdicts.map((v) => v.pass)).toEqual([true, true, true]);
  });

  it('fails slow recovery, a failed drill, a never-recovered drill and lost writes', () => {
    const r = syntheticRecord(
      { seconds: 1 },
      {
        drills: [
          { ...baseDrill, name: 'slow', recoverySeconds: 25 },
          {
            ...baseDrill,
            name: 'stuck',
            passed: false,
            recoverySeconds: null,
            checks: [{ name: 'recovers', ok: false, detail: 'still failing' }],
            reconciliation: { acknowledged: 10, found: 9, lost: 1, duplicated: 0 },
          },
        ],
      },
    );
    const vs = evaluate(r, spec(objectives)).verdicts;
    const byName = Object.fromEntries(vs.map((v) => [v.objective, v]));
    expect(byName['recovery[slow]']!.pass).toBe(false);
    expect(byName['recovery[stuck]']!.measured).toBe('did not recover');
    expect(byName['drills[slow]']!.pass).toBe(true);
    expect(byName['drills[stuck]']!.measured).toContain('recovers: still failing');
    expect(byName['data[stuck]']!.pass).toBe(false);
  });

  it('a drill that skipped every fault is inconclusive, not a pass', () => {
    const r = syntheticRecord(
      { seconds: 1 },
      {
        drills: [
          {
            ...baseDrill,
            faults: [],
            recoverySeconds: null,
            reconciliation: null,
            checks: [],
            skipped: ['no fault proxy on this target'],
          },
        ],
      },
    );
    const v = evaluate(r, spec([{ name: 'drills', kind: 'drill-passed' }])).verdicts[0]!;
    expect(v.pass).toBe(false);
    expect(v.outcome).toBe('inconclusive');
    expect(v.reason).toContain('did not inject any of its faults (no fault proxy on this target)');
    expect(v.reason).toContain('--toxiproxy');
  });

  it('counts unsuppressed high findings and ignores accepted ones', () => {
    const finding = (
      id: string,
      severity: 'high' | 'medium',
      suppressed?: { action: 'IGNORE' | 'WARN' | 'FAIL'; reason: string },
    ) => ({
      id,
      ruleId: id,
      title: id,
      category: 'API1:2023',
      severity,
      endpoint: 'GET /v1/posts/{id}',
      description: '',
      evidence: null,
      source: 'rampart',
      ...(suppressed ? { suppressed } : {}),
    });
    const sec = spec([{ name: 'security', kind: 'security', minSeverity: 'high' }]);
    const clean = syntheticRecord(
      { seconds: 1 },
      { findings: [finding('a', 'medium'), finding('b', 'high', { action: 'IGNORE', reason: 'accepted' })] },
    );
    expect(evaluate(clean, sec).verdict).toBe('pass');
    const dirty = syntheticRecord(
      { seconds: 1 },
      { findings: [finding('c', 'high'), finding('d', 'high', { action: 'FAIL', reason: 'must fix' })] },
    );
    expect(evaluate(dirty, sec).verdicts[0]!.value).toBe(2);
    const scannedClean = syntheticRecord(
      { seconds: 1 },
      { parts: [{ kind: 'scan', name: 'security', status: 'ran', startedAt: 0, endedAt: 1 }] },
    );
    expect(evaluate(scannedClean, sec).verdict).toBe('pass');
  });

  it('judges the rate-limit scenario by its thresholds and checks', () => {
    const th = (ok: boolean) => ({
      scenario: 'rate-limit',
      metric: 'checks',
      expression: 'rate==1',
      ok,
      value: ok ? 1 : 0.9,
      abortedRun: false,
    });
    const rl = spec([
      { name: 'rl', kind: 'rate-limit' },
      { name: 'th', kind: 'threshold' },
    ]);
    const good = syntheticRecord({ seconds: 5, scenario: 'rate-limit' }, { thresholds: [th(true)] });
    expect(evaluate(good, rl).verdict).toBe('pass');
    const bad = syntheticRecord(
      { seconds: 5, scenario: 'rate-limit', failure: (t, i) => (t === 2 && i === 0 ? '4xx' : null) },
      { thresholds: [th(false)] },
    );
    const vs = evaluate(bad, rl).verdicts;
    expect(vs.map((v) => v.pass)).toEqual([false, false]);
    expect(vs[0]!.measured).toContain('1/250 checks failed');
  });
});

describe('the spec stored in a run record', () => {
  it('parses back to the same spec (durations keep their unit)', () => {
    const s = spec([p95({ window: '90s' })]);
    const r = withVerdicts(syntheticRecord({ seconds: 1 }), s, evaluate(syntheticRecord({ seconds: 1 }), s));
    expect(parseSloObject(JSON.parse(JSON.stringify(r.slo)))).toEqual(s);
  });
});

describe('merging run records', () => {
  it('adds counts and histograms of the same bucket, so percentiles come from the sum', () => {
    const fast = syntheticRecord({ seconds: 10, rps: 90, latencyMs: () => 10, seed: 1 });
    const slow = syntheticRecord({ seconds: 10, rps: 10, latencyMs: () => 1000, seed: 2 });
    const merged = mergeRunRecords(fast, slow);
    expect(merged.samples).toHaveLength(10);
    expect(merged.samples[0]!.count).toBe(100);
    // 10 % of requests take 1 s: p95 of the merged record is 1 s; averaging the two p95s would say ~505 ms.
    const v = evaluate(merged, spec([p95({ window: 0, lessThanMs: 2000 })])).verdicts[0]!;
    expect(v.value).toBeCloseTo(1000, -1);
    const p50 = evaluate(merged, spec([p95({ window: 0, percentile: 50 })])).verdicts[0]!;
    expect(p50.value).toBeCloseTo(10, 0);
  });
});

describe('evaluate: an objective judged only in some profiles', () => {
  it('is judged in a run of its profile and left out of another, with the rest judged the same', () => {
    const r = syntheticRecord({ seconds: 30, rps: 20, latencyMs: () => 300 });
    const s = spec([
      p95({ name: 'only in full', onlyInProfiles: ['full'] }),
      p95({ name: 'always', lessThanMs: 1000 }),
    ]);
    const full = evaluate({ ...r, meta: { ...r.meta, profile: 'full' } }, s);
    expect(full.verdicts.map((v) => v.objective)).toEqual(['only in full', 'always']);
    expect(full.verdict).toBe('fail');
    const quick = evaluate({ ...r, meta: { ...r.meta, profile: 'quick' } }, s);
    expect(quick.verdicts.map((v) => v.objective)).toEqual(['always']);
    expect(quick.verdict).toBe('pass');
  });

  it('refuses a profile it does not know, naming the field', () => {
    expect(() => spec([p95({ onlyInProfiles: ['nightly'] })])).toThrow(/onlyInProfiles/);
  });
});
