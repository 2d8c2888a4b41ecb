import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunRecord, type ThresholdResult } from '../../reports/index.ts';
import { runCli } from '../../cli/testing.ts';
import { importK6Results } from './import.ts';
import { httpMetricLines, k6PercentileOf, metricLine, pointLine, requestLines } from './k6-json.fixtures.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rampart-k6-rules-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, lines: string[], end = '\n') => {
  const f = path.join(tmp, name);
  writeFileSync(f, lines.join('\n') + end);
  return f;
};
const T0 = Date.parse('2026-11-30T10:00:00Z');
const find = (r: { thresholds: ThresholdResult[] }, metric: string, expression: string) =>
  r.thresholds.find((t) => t.metric === metric && t.expression === expression);

describe('k6 import judges as k6 does', () => {
  it("p(95) by k6's interpolation: 96 requests where nearest rank would fail an SLO k6 passes", async () => {
    // 91 fast requests (40-130 ms) and 5 slow ones: nearest rank puts p95 on the 92nd value (180 ms, a FAIL of
    // p(95)<180); k6 interpolates between the 91st and 92nd at rank 0.95 × 95 = 90.25: 130 + 0.25 × 50 = 142.5 ms.
    const values = [...Array.from({ length: 91 }, (_, i) => 40 + i), 180, 185, 190, 196, 199];
    const lines = [
      ...httpMetricLines({ http_req_duration: ['p(95)<180'] }),
      ...values.flatMap((ms, i) => requestLines(T0 + i * 100, ms, { scenario: 'default' })),
    ];
    const r = await importK6Results([write('p95.json', lines)]);
    const t = find(r, 'http_req_duration', 'p(95)<180');
    const expected = k6PercentileOf(values, 95);
    expect(expected).toBe(142.5);
    expect(t).toMatchObject({ ok: true, outcome: 'pass' });
    expect(t?.value).toBeCloseTo(expected, 6);
    // rampart's reading beside it: 96 points bound p95 only by the 96th value (199 ms): not shown below 180 at 95 %.
    expect(t?.rampart).toMatchObject({ outcome: 'inconclusive', statistics: { method: 'order-statistic', n: 96 } });
    const strict = await runCli([
      'k6',
      'import',
      path.join(tmp, 'p95.json'),
      '--strict',
      '--out',
      path.join(tmp, 'strict'),
    ]);
    expect(strict.code).toBe(1);
    const plain = await runCli(['k6', 'import', path.join(tmp, 'p95.json'), '--out', path.join(tmp, 'plain')]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(
      /✓ http_req_duration p\(95\)<180 +k6: PASS \(observed 142\.5\) · rampart: INCONCLUSIVE/,
    );
  });

  it("a file's thresholds are judged over the whole test: a one-request warm-up scenario does not fail a med the test passes", async () => {
    const lines = [
      ...httpMetricLines({ http_req_duration: ['med<100'] }),
      ...requestLines(T0, 900, { scenario: 'warmup' }),
      ...Array.from({ length: 20 }, (_, i) => requestLines(T0 + 1000 + i * 50, 20 + i, { scenario: 'main' })).flat(),
    ];
    const r = await importK6Results([write('warmup.json', lines)]);
    expect(r.thresholds).toHaveLength(1);
    expect(r.thresholds[0]).toMatchObject({
      scenario: 'k6 test',
      ok: true,
      value: k6PercentileOf([900, ...Array.from({ length: 20 }, (_, i) => 20 + i)], 50),
    });
    expect(r.summaries.map((s) => s.scenario).sort()).toEqual(['main', 'warmup']);
  });

  it('every metric type is judgeable — custom Trend, Rate, Counter, Gauge, iteration_duration, vus — and one unknown metric aborts nothing', async () => {
    const lines = [
      ...httpMetricLines(),
      metricLine('vus', 'gauge', ['value<=10']),
      metricLine('iteration_duration', 'trend', ['p(90)<1000']),
      metricLine('login_time', 'trend', ['avg<50', 'max<60']),
      metricLine('login_ok', 'rate', ['rate>0.9']),
      metricLine('orders', 'counter', ['count>=3', 'rate>100']),
      metricLine('queue_depth', 'gauge', ['value<5']),
      pointLine('vus', T0, 5),
      pointLine('vus', T0 + 1000, 12),
      pointLine('vus', T0 + 2000, 8),
      ...[300, 900, 1200].map((v, i) =>
        pointLine('iteration_duration', T0 + i * 500, v, { scenario: 'default', group: '' }),
      ),
      ...[40, 55].map((v, i) => pointLine('login_time', T0 + i, v)),
      ...[1, 1, 0].map((v, i) => pointLine('login_ok', T0 + i, v)),
      ...[1, 1, 1].map((v, i) => pointLine('orders', T0 + i, v)),
      pointLine('queue_depth', T0 + 1, 9),
      pointLine('queue_depth', T0 + 2, 2),
      ...requestLines(T0 + 2000, 30, { scenario: 'default' }),
    ];
    const r = await importK6Results([write('types.json', lines)], {
      thresholds: { nosuch_metric: ['avg<1'], login_time: ['rate<3'] },
    });
    const v = (m: string, e: string) => find(r, m, e);
    expect(v('vus', 'value<=10')).toMatchObject({ ok: true, value: 8 });
    expect(v('iteration_duration', 'p(90)<1000')).toMatchObject({
      ok: false,
      value: k6PercentileOf([300, 900, 1200], 90),
    });
    expect(v('login_time', 'avg<50')).toMatchObject({ ok: true, value: 47.5 });
    expect(v('login_time', 'max<60')).toMatchObject({ ok: true, value: 55 });
    expect(v('login_ok', 'rate>0.9')).toMatchObject({ ok: false, outcome: 'fail' });
    expect(v('login_ok', 'rate>0.9')?.value).toBeCloseTo(2 / 3, 6);
    expect(v('orders', 'count>=3')).toMatchObject({ ok: true, value: 3 });
    expect(v('orders', 'rate>100')).toMatchObject({ ok: false, value: 1.5 }); // 3 over the 2 s from the first point to the last
    expect(v('queue_depth', 'value<5')).toMatchObject({ ok: true, value: 2 });
    expect(v('nosuch_metric', 'avg<1')).toMatchObject({
      outcome: 'inconclusive',
      reason: expect.stringMatching(/appears nowhere/),
    });
    expect(v('login_time', 'rate<3')).toMatchObject({
      outcome: 'inconclusive',
      reason: expect.stringMatching(/trend metric: k6 supports avg, min, max, med, p\(N\)/),
    });
  });

  it('{threshold, abortOnFail} objects are read: 12.5 % failures fail rate<0.01', async () => {
    const lines = [
      ...httpMetricLines({ http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '10s' }] }),
      ...Array.from({ length: 8 }, (_, i) =>
        requestLines(T0 + i * 100, 10, { scenario: 'default', status: i === 0 ? 500 : 200 }),
      ).flat(),
    ];
    const res = await runCli(['k6', 'import', write('abort.json', lines), '--out', path.join(tmp, 'abort')]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/✗ http_req_failed rate<0\.01 +k6: FAIL \(observed 0\.125\)/);
  });

  it('setup() requests have their own bucket, dropped_iterations are not failed requests, runners far apart are named', async () => {
    const a = write('a.json', [
      ...httpMetricLines(),
      metricLine('dropped_iterations', 'counter'),
      ...requestLines(T0, 50, { group: '::setup' }),
      ...requestLines(T0 + 500, 10, { scenario: 'load' }),
      pointLine('dropped_iterations', T0 + 600, 1, { scenario: 'load' }),
    ]);
    const b = write('b.json', [...httpMetricLines(), ...requestLines(T0 + 90 * 60_000, 10, { scenario: 'load' })]);
    const r = await importK6Results([a, b]);
    expect(Object.fromEntries(r.summaries.map((s) => [s.scenario, [s.requests, s.errors, s.dropped]]))).toEqual({
      'setup()': [1, 0, 0],
      load: [2, 0, 1],
    });
    expect(r.warnings.join('\n')).toMatch(
      /b\.json starts 90\.0 min after .*a\.json ended: these look like separate tests/,
    );
    const res = await runCli(['k6', 'import', a, b, '--out', path.join(tmp, 'apart')]);
    expect(res.stderr).toMatch(/warning: .*b\.json starts 90\.0 min after/);
    expect((await readRunRecord(path.join(tmp, 'apart', 'run.json'))).notes.join('\n')).toMatch(/separate tests/);
  });

  it('a cut-off last line is skipped with a note; a bad line inside, or a cut-off .gz, is bad input (exit 2)', async () => {
    const lines = [
      ...httpMetricLines({ http_req_duration: ['p(95)<100'] }),
      ...requestLines(T0, 10, { scenario: 'default' }),
    ];
    const cut = write(
      'cut.json',
      [...lines, '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11'],
      '',
    );
    const ok = await runCli(['k6', 'import', cut, '--out', path.join(tmp, 'cut')]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/cut\.json: the last line \(7\) is cut off .* skipped/);
    const inside = write('inside.json', [lines[0] as string, '{"metric":"http_req_dur', ...lines.slice(1)]);
    const bad = await runCli(['k6', 'import', inside, '--out', path.join(tmp, 'inside')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${inside}:2: not a JSON line`);
    const gz = gzipSync(Buffer.from(`${lines.join('\n')}\n`.repeat(50)));
    const cutGz = path.join(tmp, 'cut.json.gz');
    writeFileSync(cutGz, gz.subarray(0, Math.floor(gz.length / 2)));
    const res = await runCli(['k6', 'import', cutGz, '--out', path.join(tmp, 'cutgz')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/cut\.json\.gz:\d+: the gzip stream is cut off or corrupt/);
    expect(readFileSync(cutGz).length).toBeGreaterThan(0);
  });

  it("--suite adds the exported script's thresholds, test-wide, with no sliding window k6 never applies", async () => {
    const lines = [
      ...httpMetricLines(),
      ...Array.from({ length: 30 }, (_, i) =>
        requestLines(T0 + i * 1000, i === 3 ? 5000 : 20, { scenario: 'smoke', name: 'GET /livez' }),
      ).flat(),
    ];
    const r = await runCli([
      'k6',
      'import',
      write('suite.json', lines),
      '--suite',
      'smoke',
      '--profile',
      'quick',
      '--out',
      path.join(tmp, 'suite'),
    ]);
    const record = await readRunRecord(path.join(tmp, 'suite', 'run.json'));
    expect(record.thresholds.length).toBeGreaterThan(0);
    expect(record.thresholds.every((t) => t.scenario === 'k6 test' && t.window === undefined)).toBe(true);
    expect([0, 1]).toContain(r.code);
  });
});
