import { describe, expect, it } from 'vitest';
import type { Finding, RunRecordPart } from '../reports/index.ts';
import { parseAuthConfig } from './auth-config.ts';
import type { AuthConfig } from './auth-config.ts';
import { runScan } from './run-scan.ts';
import { failingFindings } from './suppressions.ts';
import { startCatalogApp } from './testing.ts';

// The catalogue has no registration and no OpenAPI document: the scan takes it as it is.
const scan = (url: string, authConfig?: AuthConfig): Promise<RunRecordPart> =>
  runScan({
    target: new URL(url),
    profile: 'quick',
    seed: 7,
    signal: new AbortController().signal,
    ...(authConfig ? { authConfig } : {}),
  });
const rules = (p: RunRecordPart) => (p.findings ?? []).map((f: Finding) => `${f.ruleId} ${f.endpoint}`);
const notes = (p: RunRecordPart) => (p.notes ?? []).join('\n');
const failing = (p: RunRecordPart) =>
  failingFindings(p.findings ?? [], 'medium').map(
    (f) => `${f.severity} ${f.ruleId} ${f.endpoint}: ${f.description.split('\n')[0]}`,
  );

describe('an API without registration or document, scanned without accounts', () => {
  it('is scanned anonymously instead of failing to register: the public search injection is found, and the notes say what was not tested', async () => {
    await using app = await startCatalogApp({ hardened: false });
    const part = await scan(app.url); // the default contract's register (POST /v1/auth/register) answers 404 here
    expect(rules(part)).toContain('rampart-inj-sql-error GET /api/search');
    const n = notes(part);
    expect(n).toMatch(
      /no accounts, scanned anonymously \(could not register scan user A with POST \/v1\/auth\/register: 404/,
    );
    expect(n).toMatch(/tested: transport, API8 headers, .*injection, .*fuzzing/);
    expect(n).toMatch(/not tested: objects of user A \(needs an account\), API1 BOLA \(needs two accounts\)/);
    expect(n).not.toMatch(/failed and was skipped/);
    // Nothing was written as a user the scan does not hold.
    expect(app.orders.size).toBe(1);
  }, 120_000);

  it('register: null is taken as "no registration": the hardened twin gets a conclusive, clean scan', async () => {
    await using app = await startCatalogApp({ hardened: true });
    const part = await scan(app.url, parseAuthConfig({ register: null, login: null }));
    expect(failing(part)).toEqual([]);
    const n = notes(part);
    expect(n).toMatch(/no accounts, scanned anonymously \(the auth config has register: null and no users\)/);
    expect(n).toMatch(/rate limit reached after \d+ requests by one user on GET \/api\/items/);
    expect(n).toMatch(/injection payloads sent to [1-9]\d* parameters and body fields/);
    expect(n).toMatch(/not tested: .*injection: SQL login bypass \(no login step\)/);
  }, 120_000);
});

describe('an API with login but no registration', () => {
  const loginConfig = (app: Awaited<ReturnType<typeof startCatalogApp>>) =>
    parseAuthConfig({
      register: null,
      logout: null,
      mePath: null,
      usersCollection: null,
      publicReadPaths: [],
      login: {
        path: '/api/login',
        body: { email: '{{email}}', password: '{{password}}' },
        token: { source: 'body', pointer: '/token' },
        refreshTokenPointer: null,
      },
      users: app.customers.map((c) => ({ email: c.email, password: c.password })),
    });

  it("logs the two supplied accounts in and finds the order any customer can read (BOLA); the scan's order is removed", async () => {
    await using app = await startCatalogApp({ hardened: false });
    const part = await scan(app.url, loginConfig(app));
    expect(rules(part)).toContain('rampart-api1-bola-read GET /api/orders/{id}');
    const n = notes(part);
    expect(n).toMatch(
      /accounts supplied: 2 account\(s\) from the auth config's users \(logged in with its e-mail and password\)/,
    );
    expect(n).toMatch(
      /not tested: API2 token after logout \(needs a session the scan may end.*\), API3 mass assignment \(needs accounts the scan registered itself/,
    );
    // The customers' passwords and tokens appear nowhere.
    for (const c of app.customers) expect(JSON.stringify(part)).not.toContain(c.password);
    // Only ann's order is left: the one A created was deleted by its creator.
    expect([...app.orders.keys()]).toEqual(['1']);
  }, 120_000);

  it('takes two sessions as given (static API-key headers): the hardened twin keeps 0 findings >= medium and its data', async () => {
    await using app = await startCatalogApp({ hardened: true });
    const cfg = parseAuthConfig({
      register: null,
      login: null,
      logout: null,
      mePath: null,
      usersCollection: null,
      publicReadPaths: [],
      users: app.customers.map((c) => ({ headers: { 'x-api-key': c.apiKey } })),
    });
    const part = await scan(app.url, cfg);
    expect(failing(part)).toEqual([]);
    const n = notes(part);
    expect(n).toMatch(/accounts supplied: 2 account\(s\) from the auth config's users \(a session as given\)/);
    expect(n).toMatch(/user A created 1 object\(s\) for the BOLA checks: \/api\/orders\/\{id\} \(private\)/);
    for (const c of app.customers) expect(JSON.stringify(part)).not.toContain(c.apiKey);
    // Ann's order is as it was; an order of the scan's that the rate limit kept it from deleting (quick does not wait) is listed as left.
    expect(app.orders.get('1')).toEqual({ id: '1', owner: 'ann@catalog.test', item: 'lamp' });
    for (const id of [...app.orders.keys()].filter((k) => k !== '1')) expect(n).toContain(`/api/orders/${id} (`);
  }, 120_000);
});

describe('the auth config for APIs as they are', () => {
  it('accepts register: null and users; refuses users with e-mail and password when login is null', () => {
    expect(parseAuthConfig({ register: null }).register).toBeNull();
    expect(() => parseAuthConfig({ login: null, users: [{ email: 'a@x.test', password: 'p' }] })).toThrow(
      /users: an account with email and password needs a login step/,
    );
    expect(() => parseAuthConfig({ users: [{ email: 'a@x.test' }] })).toThrow(/give both email and password/);
    expect(() => parseAuthConfig({ users: [{ tokn: 'x' }] })).toThrow(/unknown key "tokn"; did you mean "token"/);
  });
});

describe('one supplied account', () => {
  it('runs no rate-limit burst as A (whose objects the clean-up deletes right after): the notes say it was not tested, and why', async () => {
    await using app = await startCatalogApp({ hardened: true });
    const ann = app.customers[0];
    const cfg = parseAuthConfig({
      register: null,
      login: null,
      logout: null,
      mePath: null,
      usersCollection: null,
      publicReadPaths: [],
      users: [{ headers: { 'x-api-key': ann?.apiKey ?? '' } }],
    });
    const part = await scan(app.url, cfg);
    const n = notes(part);
    expect(n).toMatch(/accounts supplied: 1 account\(s\)/);
    expect(n).toMatch(/not tested: .*API4 rate limit \(needs an account other than A to rate-limit/);
    // The hardened catalogue limits each key to 120 requests a minute: a burst as A would have met it.
    expect(n).not.toMatch(/rate limit reached after \d+ requests by one user/);
    expect(rules(part).filter((r) => r.startsWith('rampart-api4-no-rate-limit'))).toEqual([]);
  }, 120_000);
});
