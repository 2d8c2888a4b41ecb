import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/testing.ts';
import { parseScenario, runScenario } from '../index.ts';
import { spawnLocalServer } from '../testing/spawn-server.ts';

// A healthy server and 600 requests: a point estimate of 0 failures "passes" rate<0.001, but 600 clean
// requests cannot show 99.9 % (2,995 can); p(95)<1000 over 600 requests can be shown.
function scenario(thresholds: Record<string, string[]>) {
  return parseScenario({
    name: 'earn',
    executor: 'constant-arrival-rate',
    rate: 300,
    duration: '2s',
    thresholds,
    thresholdWindows: [],
    flows: [{ name: 'get', steps: [{ path: '/', checks: [{ type: 'status', equals: 200 }] }] }],
  });
}

describe("thresholds of rampart's own runs are earned at 95 % confidence", () => {
  it('a point PASS the sample cannot support is INCONCLUSIVE, says k6 would pass it and how many requests would conclude it', async () => {
    await using srv = await spawnLocalServer({ kind: 'trivial' });
    const th = {
      http_req_failed: ['rate<0.001'],
      http_req_duration: ['p(95)<1000', 'p(99.9)<1000'],
      checks: ['rate>0.999'],
    };
    const r = await runScenario(scenario(th), { baseUrl: new URL(srv.url) });
    expect(r.summary.requests).toBe(600);
    const by = (e: string) => r.thresholds.find((t) => t.expression === e);
    const failed = by('rate<0.001');
    expect(failed?.value).toBe(0);
    expect(failed?.outcome).toBe('inconclusive');
    expect(failed?.ok).toBe(false);
    expect(failed?.reason).toContain('k6 would pass it');
    expect(failed?.reason).toContain('at least 2995 requests');
    expect(failed?.rampart?.statistics?.method).toBe('clopper-pearson');
    expect(by('rate>0.999')?.outcome).toBe('inconclusive');
    expect(by('p(95)<1000')?.outcome).toBe('pass');
    expect(by('p(95)<1000')?.rampart?.statistics?.method).toBe('order-statistic');
    // p99.9 has no upper bound from 600 samples (2,995 needed).
    expect(by('p(99.9)<1000')?.outcome).toBe('inconclusive');
    expect(by('p(99.9)<1000')?.reason).toMatch(/at least 2995 requests \(had 600\)/);
  });

  it("--threshold-semantics k6 keeps k6's point verdict and records the bounds beside it", async () => {
    await using srv = await spawnLocalServer({ kind: 'trivial' });
    const r = await runScenario(scenario({ http_req_failed: ['rate<0.001'] }), {
      baseUrl: new URL(srv.url),
      thresholdSemantics: 'k6',
    });
    const [t] = r.thresholds;
    expect(t?.outcome).toBe('pass');
    expect(t?.ok).toBe(true);
    expect(t?.rampart?.outcome).toBe('inconclusive');
  });

  it('a breach stays a FAIL, whatever the semantics', async () => {
    await using srv = await spawnLocalServer({ kind: 'status', status: 500 });
    const r = await runScenario(scenario({ http_req_failed: ['rate<0.001'] }), { baseUrl: new URL(srv.url) });
    expect(r.thresholds[0]?.outcome).toBe('fail');
  });

  it('rampart load --threshold exits 1 on an unearned PASS and 0 with --threshold-semantics k6', async () => {
    await using srv = await spawnLocalServer({ kind: 'trivial' });
    const args = [
      'load',
      `${srv.url}/`,
      '--rate',
      '200',
      '--duration',
      '1s',
      '--threshold',
      'http_req_failed: rate<0.001',
    ];
    const earned = await runCli(args);
    expect(earned.code, earned.stderr).toBe(1);
    expect(earned.stderr).toMatch(/INCONCLUSIVE: k6 would pass it .*at least 2995 requests/);
    const k6 = await runCli([...args, '--threshold-semantics', 'k6']);
    expect(k6.code).toBe(0);
    const bad = await runCli([...args, '--threshold-semantics', 'loose']);
    expect(bad.code).toBe(2);
  });
});
