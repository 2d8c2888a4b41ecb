import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, RunRecordPart } from '../reports/index.ts';
import { parse as parseYaml } from 'yaml';
import { parseAuthConfig } from './auth-config.ts';
import { runScan } from './run-scan.ts';
import { startVulnerableApp } from './test-apps/vulnerable-app.ts';
import type { VulnerableApp } from './test-apps/vulnerable-app.ts';

let app: VulnerableApp;
let part: RunRecordPart;
let findings: Finding[];

const find = (ruleId: string, endpoint?: string) =>
  findings.filter((f) => f.ruleId === ruleId && (endpoint === undefined || f.endpoint === endpoint));

beforeAll(async () => {
  app = await startVulnerableApp();
  part = await runScan({
    target: new URL(app.url),
    profile: 'quick',
    seed: 1234,
    signal: new AbortController().signal,
  });
  findings = part.findings ?? [];
});
afterAll(async () => app?.stop());

describe('a scan of the deliberately vulnerable app reports every planted flaw with its OWASP category', () => {
  it.each([
    ['BOLA read of a private note', 'rampart-api1-bola-read', 'GET /v1/notes/{id}', 'API1:2023'],
    ['BOLA change of a note', 'rampart-api1-bola-write', 'PATCH /v1/notes/{id}', 'API1:2023'],
    [
      "acting on another user's private note (pin)",
      'rampart-api1-bola-subresource',
      'POST /v1/notes/{id}/pins',
      'API1:2023',
    ],
    ['BOLA delete of a note', 'rampart-api1-bola-delete', 'DELETE /v1/notes/{id}', 'API1:2023'],
    ['JWT alg none accepted', 'rampart-api2-alg-none', 'GET /v1/users/me', 'API2:2023'],
    ['token still valid after logout', 'rampart-api2-token-after-logout', 'GET /v1/users/me', 'API2:2023'],
    ['no brute-force limit on login', 'rampart-api2-no-bruteforce-limit', 'POST /v1/auth/login', 'API2:2023'],
    ['mass assignment on register', 'rampart-api3-mass-assignment-register', 'POST /v1/auth/register', 'API3:2023'],
    ['mass assignment on profile update', 'rampart-api3-mass-assignment-update', 'PATCH /v1/users/me', 'API3:2023'],
    ['password hash leaked', 'rampart-api3-sensitive-field', 'GET /v1/users/me', 'API3:2023'],
    ["another user's email in a public profile", 'rampart-api3-other-user-email', 'GET /v1/users/{id}', 'API3:2023'],
    ['no rate limit', 'rampart-api4-no-rate-limit', 'GET /v1/users/me', 'API4:2023'],
    ['2 MB body accepted', 'rampart-api4-oversized-body', undefined, 'API4:2023'],
    ['ordinary user on an admin route', 'rampart-api5-bfla', 'GET /v1/admin/users', 'API5:2023'],
    ['missing nosniff', 'rampart-api8-nosniff-missing', 'GET /v1/users/me', 'API8:2023'],
    ['missing frame-ancestors', 'rampart-api8-framing-allowed', 'GET /v1/users/me', 'API8:2023'],
    ['X-Powered-By', 'rampart-api8-x-powered-by', 'GET /v1/users/me', 'API8:2023'],
    ['CORS reflecting any origin with credentials', 'rampart-api8-cors-reflect-credentials', undefined, 'API8:2023'],
    ['SQL error text in a response', 'rampart-api8-sql-error', 'GET /v1/notes', 'API8:2023'],
    ['stack trace in a response', 'rampart-api8-stack-trace', 'GET /v1/notes', 'API8:2023'],
    ['SQL injection via a quote', 'rampart-inj-sql-error', 'GET /v1/notes', 'injection'],
    [
      'SQL injection through a body field documented as an integer',
      'rampart-inj-sql-error',
      'POST /v1/notes/{id}/pins',
      'injection',
    ],
    ['reflected XSS', 'rampart-inj-xss-reflected', 'GET /v1/search', 'injection'],
    ['undocumented debug route', 'rampart-api9-undocumented-sensitive-route', undefined, 'API9:2023'],
  ])('%s', (_name, ruleId, endpoint, category) => {
    const hits = find(ruleId, endpoint);
    expect(
      hits.length,
      `${ruleId} ${endpoint ?? ''} not reported; got ${findings.map((f) => `${f.ruleId} ${f.endpoint}`).join(' | ')}`,
    ).toBeGreaterThan(0);
    for (const f of hits) {
      expect(f.category).toBe(category);
      expect(['medium', 'high', 'critical', 'low', 'info']).toContain(f.severity);
    }
  });

  it('reports access-control and auth flaws as high or critical, so the scan fails the gate', () => {
    for (const id of [
      'rampart-api1-bola-write',
      'rampart-api2-alg-none',
      'rampart-api3-mass-assignment-register',
      'rampart-api5-bfla',
    ]) {
      expect(['high', 'critical']).toContain(find(id)[0]?.severity);
    }
  });

  it('does not report what the app does right: a re-signed or expired token is refused', () => {
    expect(find('rampart-api2-wrong-signature')).toEqual([]);
    expect(find('rampart-api2-expired-token')).toEqual([]);
    expect(find('rampart-api2-no-token')).toEqual([]);
  });

  it('keeps evidence with secrets redacted: no bearer token, JWT or password hash survives', () => {
    const text = JSON.stringify(findings.map((f) => f.evidence));
    expect(text).not.toMatch(/eyJ[\w-]{5,}\.[\w-]{5,}\./);
    expect(text).not.toMatch(/\$argon2id\$v=/);
    expect(text).toContain('Bearer [REDACTED]');
    const leak = find('rampart-api3-sensitive-field')[0];
    expect(leak?.evidence?.response?.body).toContain('[REDACTED]');
  });

  it('fuzzing reports invalid input the app accepts, with a curl command to reproduce it', () => {
    const accepted = find('rampart-fuzz-invalid-accepted');
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted[0]?.category).toBe('fuzz');
    expect(accepted[0]?.description).toMatch(/Reproduce \(seed 1234, case \d+\/\d+\):\n {2}curl -sS -i -X /);
    expect(part.notes?.join('\n')).toContain('seed 1234');
  });
});

describe('an API with another auth contract is scanned by writing --auth-config alone', () => {
  it('registers, logs in and presents tokens the configured way, and finds the same planted flaws', async () => {
    await using custom = await startVulnerableApp('custom');
    const authConfig = parseAuthConfig(
      parseYaml(`
register: { path: /accounts/signup, body: { mail: "{{email}}", secret: "{{password}}", nick: "{{handle}}" }, userIdPointer: /account/uid }
login: { path: /accounts/session, body: { mail: "{{email}}", secret: "{{password}}" }, token: { source: header, name: x-session-token }, refreshTokenPointer: null }
logout: { path: /accounts/session/end, body: {} }
sendToken: { in: header, name: x-api-token, prefix: "" }
`),
    );
    const result = await runScan({
      target: new URL(custom.url),
      profile: 'quick',
      seed: 5,
      authConfig,
      signal: new AbortController().signal,
    });
    const ids = new Set((result.findings ?? []).map((f) => `${f.ruleId} ${f.endpoint}`));
    for (const expected of [
      'rampart-api1-bola-write PATCH /v1/notes/{id}',
      'rampart-api2-alg-none GET /v1/users/me',
      'rampart-api5-bfla GET /v1/admin/users',
      'rampart-api3-mass-assignment-register POST /accounts/signup',
      'rampart-api2-token-after-logout GET /v1/users/me',
      'rampart-api3-other-user-email GET /v1/users/{id}',
    ]) {
      expect(ids, expected).toContain(expected);
    }
  });
});

describe('interruption', () => {
  it('an aborted scan stops promptly and returns what it found, with a note', async () => {
    await using slow = await startVulnerableApp();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('test interrupt')), 250);
    const t0 = Date.now();
    const result = await runScan({ target: new URL(slow.url), profile: 'full', seed: 9, signal: controller.signal });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(result.notes?.join('\n')).toContain('interrupted');
    expect(result.events?.some((e) => e.type === 'phase.ended')).toBe(true);
  });
});
