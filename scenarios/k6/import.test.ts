import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createLatencyHistogram,
  encodeHistogram,
  mergeHistograms,
  readRunRecord,
  recordMs,
  summarize,
} from '../../reports/index.ts';
import { runCli } from '../../cli/testing.ts';
import { importK6Results, K6_TEST } from './import.ts';

// The fixtures are two runners' `k6 run --out json=FILE` output (execution segments 0:1/2 and 1/2:1 of one test),
// written by hand in k6's JSON format for the one case no real file in fixtures/real/ covers: two runners of one
// test. Each declares the thresholds p(95)<200, http_req_failed rate<0.15, checks rate>0.9 and dropped_iterations
// count<5 in its Metric lines, and each dropped 3 iterations: every runner passes alone; together they dropped 6.
const fixture = (n: number) => path.join(import.meta.dirname, 'fixtures', `k6-runner-${n}.json`);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rampart-k6-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function durations(file: string): number[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; metric: string; data: { value: number } })
    .filter((p) => p.type === 'Point' && p.metric === 'http_req_duration')
    .map((p) => p.data.value);
}

describe('rampart k6 import', () => {
  it('merges the raw points of two runners exactly: the merged histogram is the histogram of all their values', async () => {
    const r = await importK6Results([fixture(0), fixture(1)]);
    const expected = createLatencyHistogram();
    for (const v of [...durations(fixture(0)), ...durations(fixture(1))]) recordMs(expected, v);
    const samples = r.part.samples ?? [];
    const merged = summarize(
      mergeHistograms(samples.filter((s) => s.tag !== 'dropped_iterations').map((s) => s.latency)),
    );
    const exp = summarize(mergeHistograms([encodeHistogram(expected)])); // through the same wire encoding
    expect(merged.count).toBe(60);
    expect(samples.some((s) => s.tag === 'dropped_iterations')).toBe(false);
    expect([merged.p50, merged.p90, merged.p95, merged.p99, merged.max]).toEqual([
      exp.p50,
      exp.p90,
      exp.p95,
      exp.p99,
      exp.max,
    ]);
    // One sample per tag and second, holding both runners' requests of that second.
    const second = samples.filter((s) => s.tag === 'GET /v1/trending');
    expect(second.length).toBe(3);
    expect(second.every((s) => s.count === 12 && s.ts % 1000 === 0)).toBe(true);
    // dropped_iterations is its own metric: 6 iterations never started, not 6 failed requests.
    const summary = r.summaries[0];
    expect(summary).toMatchObject({
      scenario: 'load',
      requests: 60,
      errors: 1,
      dropped: 6,
      checks: { passed: 59, failed: 1 },
    });
    expect(r.thresholds.find((t) => t.metric === 'http_req_failed')?.value).toBeCloseTo(1 / 60, 6);
    expect(r.runners.map((x) => x.requests)).toEqual([30, 30]);
  });

  it('judges the thresholds over the merged whole: each runner passes alone, together they fail, and the exit code says so', async () => {
    const alone = await runCli(['k6', 'import', fixture(0), '--out', path.join(tmp, 'a')]);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toMatch(/✓ dropped_iterations count<5 +k6: PASS \(observed 3\)/);
    const both = await runCli(['k6', 'import', fixture(0), fixture(1), '--out', path.join(tmp, 'b')]);
    expect(both.code).toBe(1);
    expect(both.stdout).toMatch(/✗ dropped_iterations count<5 +k6: FAIL \(observed 6\)/);
    expect(both.stdout).toMatch(/✓ http_req_duration p\(95\)<200 +k6: PASS/);
    expect(both.stderr).toContain('FAIL over the merged runners: dropped_iterations count<5 (observed 6)');
    const record = await readRunRecord(path.join(tmp, 'b', 'run.json'));
    expect(record.summaries[0]?.requests).toBe(60);
    expect(record.thresholds.find((t) => t.metric === 'dropped_iterations')).toMatchObject({
      ok: false,
      outcome: 'fail',
      scenario: K6_TEST,
      value: 6,
    });
    expect(record.verdict).toBe('fail');
    expect(record.meta.source).toBe('k6 import of 2 runners');
    expect(record.notes.some((n) => n.includes('k6 runner 2'))).toBe(true);
  });

  it('reads gzipped output, and names the file and line of a line that is not k6 JSON (exit 2)', async () => {
    const gz = path.join(tmp, 'r0.json.gz');
    writeFileSync(gz, gzipSync(readFileSync(fixture(0))));
    const r = await importK6Results([gz]);
    expect(r.summaries[0]?.requests).toBe(30);
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(
      bad,
      `${readFileSync(fixture(0), 'utf8').split('\n')[0]}\n{"type":"Point","metric":"http_req_duration","data":{"time":"yesterday","value":1}}\n`,
    );
    const res = await runCli(['k6', 'import', bad]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${bad}:2: data.time "yesterday" is not an RFC 3339 time`);
    const missing = await runCli(['k6', 'import', path.join(tmp, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json');
  });

  it('judges an SLO spec over the merged run record with --slo', async () => {
    const slo = path.join(tmp, 'slo.yaml');
    writeFileSync(
      slo,
      'apiVersion: rampart/v1\nkind: SloSpec\nservice: k6\nobjectives:\n  - name: load p95\n    kind: latency\n    scenario: load\n    percentile: 95\n    lessThanMs: 10\n',
    );
    const res = await runCli(['k6', 'import', fixture(0), '--slo', slo, '--out', path.join(tmp, 'c')]);
    expect(res.code).toBe(1);
    const record = await readRunRecord(path.join(tmp, 'c', 'run.json'));
    expect(record.verdicts.find((v) => v.objective === 'load p95')?.pass).toBe(false);
  });
});
