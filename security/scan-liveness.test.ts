import { describe, expect, it } from 'vitest';
import { repoPath } from '../common/index.ts';
import { loadAuthConfig } from './auth-config.ts';
import { runScan } from './run-scan.ts';
import { failingFindings } from './suppressions.ts';
import { startShopApp } from './test-apps/shop-app.ts';

/**
 * The shop with its planted crash: a non-numeric product id in
 * GET /rest/products/{id}/reviews closes the server. The scan must stop,
 * name the request, and file one critical finding — not a flood of
 * "no response" findings from a dead target.
 */
describe('a scan that kills its target', () => {
  it('stops, files one critical "target crashed" finding naming the request, and nothing from the dead target', async () => {
    await using app = await startShopApp({ hardened: false, crashOnReviews: true });
    const auth = await loadAuthConfig(repoPath('security/fixtures/shop-auth-cookie.yaml'));
    const part = await runScan({
      target: new URL(app.url),
      profile: 'quick',
      seed: 13,
      authConfig: auth,
      signal: AbortSignal.timeout(90_000),
    });
    expect(app.crashed).toBe(true);
    const findings = part.findings ?? [];
    const crashed = findings.filter((f) => f.ruleId === 'rampart-target-crashed');
    expect(crashed).toHaveLength(1);
    const f = crashed[0];
    expect(f?.severity).toBe('critical');
    expect(f?.endpoint).toMatch(/^GET \/rest\/products\/[^/]*[^0-9/][^/]*\/reviews/);
    expect(f?.evidence?.request.url).toContain('/reviews');
    expect(f?.evidence?.response).toBeNull();
    expect(f?.description).toMatch(/1\. GET \/rest\/products\/\S+\/reviews.* → no answer/);
    // Nothing from the dead target: no "no response" findings, and the scan did not go on sending.
    expect(findings.filter((x) => x.ruleId === 'rampart-fuzz-no-response')).toEqual([]);
    const notes = (part.notes ?? []).join('\n');
    expect(notes).toMatch(/the target stopped answering after request \d+; the scan stopped there/);
    expect(notes).toMatch(/clean-up not run \(the target is down\)/);
    const sent = Number(/security scan: (\d+) requests in/.exec(notes)?.[1]);
    const at = Number(/stopped answering after request (\d+)/.exec(notes)?.[1]);
    expect(sent - at).toBeLessThanOrEqual(3); // the liveness checks, nothing else
    expect(failingFindings(findings, 'medium').length).toBeGreaterThan(0);
  }, 90_000);

  it('a target that stays up is never called crashed (the same shop without the planted crash)', async () => {
    await using app = await startShopApp({ hardened: false });
    const auth = await loadAuthConfig(repoPath('security/fixtures/shop-auth-cookie.yaml'));
    const part = await runScan({
      target: new URL(app.url),
      profile: 'quick',
      seed: 13,
      authConfig: auth,
      signal: AbortSignal.timeout(90_000),
    });
    expect((part.findings ?? []).filter((f) => f.ruleId === 'rampart-target-crashed')).toEqual([]);
    expect(part.notes?.join('\n')).toMatch(/clean-up removed/);
  }, 90_000);
});
