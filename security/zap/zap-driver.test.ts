import { describe, expect, it } from 'vitest';
import { EnvironmentError, getFreePort } from '../../common/index.ts';
import { runZapScan } from './zap-driver.ts';
import { startZapReplay } from './zap-replay.ts';

// ZAP cannot run on this machine: these tests drive the real zaproxy client against
// zap-replay.ts, a MOCK of the ZAP daemon that replays a recorded ZAP API exchange.
const target = 'http://127.0.0.1:3999';
const base = {
  target,
  openapiPath: '/openapi.json',
  profile: 'quick' as const,
  signal: new AbortController().signal,
  pollMs: 5,
};

describe('ZAP driver (against a replayed ZAP API exchange — mock daemon)', () => {
  it('imports the OpenAPI document, spiders, waits for passive and active scans, and maps alerts to findings', async () => {
    await using zap = await startZapReplay({ target });
    const findings = await runZapScan({
      ...base,
      zapUrl: zap.url,
      apiKey: 'rampart-test-key',
      authHeader: { name: 'authorization', value: 'Bearer t0ken' },
    });
    const paths = zap.calls.map((c) => c.path);
    const order = [
      '/JSON/core/view/version/',
      '/JSON/replacer/action/addRule/',
      '/JSON/openapi/action/importUrl/',
      '/JSON/spider/action/scan/',
      '/JSON/pscan/view/recordsToScan/',
      '/JSON/ascan/action/scan/',
      '/JSON/alert/view/alerts/',
      '/JSON/replacer/action/removeRule/',
    ];
    const positions = order.map((p) => paths.indexOf(p));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // It polled until 100 %, not just once.
    expect(paths.filter((p) => p === '/JSON/ascan/view/status/').length).toBe(3);
    expect(paths.filter((p) => p === '/JSON/spider/view/status/').length).toBe(2);
    expect(zap.calls.every((c) => c.apiKey === 'rampart-test-key')).toBe(true);
    expect(zap.calls.find((c) => c.path === '/JSON/openapi/action/importUrl/')?.params).toMatchObject({
      url: `${target}/openapi.json`,
      hostOverride: target,
    });
    expect(zap.calls.find((c) => c.path === '/JSON/replacer/action/addRule/')?.params).toMatchObject({
      matchType: 'REQ_HEADER',
      matchString: 'authorization',
      replacement: 'Bearer t0ken',
    });

    const byRule = Object.fromEntries(findings.map((f) => [`${f.ruleId} ${f.endpoint}`, f]));
    // Two CSP alerts on the same path fold into one finding.
    expect(findings.filter((f) => f.ruleId === 'zap-10038')).toHaveLength(1);
    expect(byRule['zap-40018 GET /v1/notes']).toMatchObject({
      severity: 'high',
      category: 'injection',
      source: 'zap',
      title: 'SQL Injection',
    });
    expect(byRule['zap-10038 GET /v1/notes']).toMatchObject({ severity: 'medium', category: 'API8:2023' });
    expect(byRule['zap-10021 GET /v1/users/me']).toMatchObject({ severity: 'low' });
    expect(byRule['zap-40018 GET /v1/notes']?.description).toContain('Parameter: q');
  });

  it('a wrong API key is an environment error naming ZAP', async () => {
    await using zap = await startZapReplay({ target });
    await expect(runZapScan({ ...base, zapUrl: zap.url, apiKey: 'wrong' })).rejects.toThrow(/cannot reach the ZAP API/);
  });

  it('an unreachable ZAP is an EnvironmentError with a hint', async () => {
    const port = await getFreePort();
    const err = await runZapScan({ ...base, zapUrl: `http://127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).hint).toMatch(/ZAP_URL/);
  });
});
