import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../common/index.ts';
import type { Finding, RunRecordPart } from '../reports/index.ts';
import { parse as parseYaml } from 'yaml';
import { loadAuthConfig, parseAuthConfig } from './auth-config.ts';
import type { AuthConfig } from './auth-config.ts';
import { runScan } from './run-scan.ts';
import { failingFindings } from './suppressions.ts';
import { startShopApp } from './test-apps/shop-app.ts';
import type { ShopApp } from './test-apps/shop-app.ts';
import { shopHar } from './test-apps/shop-recording.ts';

/**
 * The shop is shaped like the apps a real scan meets: a single-page front end
 * answering every unknown GET with its page, no OpenAPI document, a cookie
 * session, a basket id only the login carries. Each planted flaw must be
 * found; the hardened twin must give nothing at medium or above.
 */
let dir: string;
let cookieAuth: AuthConfig;
let bothAuth: AuthConfig;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rampart-shop-'));
  cookieAuth = await loadAuthConfig(repoPath('security/fixtures/shop-auth-cookie.yaml'));
  bothAuth = await loadAuthConfig(repoPath('security/fixtures/shop-auth.yaml'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const ids = (fs: Finding[]) => fs.map((f) => `${f.ruleId} ${f.endpoint}`);
const scan = (
  app: ShopApp,
  authConfig: AuthConfig,
  extra: { har?: string; readOnly?: boolean; allowDestructive?: boolean } = {},
) =>
  runScan({
    target: new URL(app.url),
    profile: 'quick',
    seed: 13,
    authConfig,
    signal: AbortSignal.timeout(90_000),
    ...extra,
  });

describe('the vulnerable shop, no document, cookie session: the API is discovered from the page and its script', () => {
  let app: ShopApp;
  let part: RunRecordPart;
  let findings: Finding[];
  beforeAll(async () => {
    app = await startShopApp({ hardened: false });
    part = await scan(app, cookieAuth);
    findings = part.findings ?? [];
  }, 90_000);
  afterAll(async () => app?.stop());

  it.each([
    [
      'basket of another user by the id only the login carries (BOLA)',
      'rampart-api1-bola-read GET /rest/basket/{id}',
      'high',
    ],
    [
      'SQL tautology in the login: reported as an authentication bypass',
      'rampart-inj-sql-auth-bypass POST /rest/user/login',
      'critical',
    ],
    ['UNION-injectable search', 'rampart-inj-sql-union GET /rest/products/search', 'critical'],
    ['tautology in a query string (boolean based)', 'rampart-inj-sql-boolean GET /rest/products/search', 'critical'],
    ['CORS * on an authenticated route', 'rampart-api8-cors-wildcard GET /rest/user/whoami', 'medium'],
    ['password hash inside the JWT', 'rampart-api2-jwt-sensitive-claims POST /rest/user/login', 'high'],
    ['rate limit reset by X-Forwarded-For', 'rampart-api4-rate-limit-bypass GET /rest/user/whoami', 'medium'],
    [
      'X-Forwarded-For bypass where the limit is: the password reset (found in a lazy chunk, by a route starting with a variable)',
      'rampart-api4-rate-limit-bypass POST /rest/user/reset-password',
      'medium',
    ],
    [
      'Prometheus metrics exposed, rated by content',
      'rampart-api9-undocumented-sensitive-route GET /metrics',
      'medium',
    ],
  ])('%s', (_name, id, severity) => {
    const hit = findings.find((f) => `${f.ruleId} ${f.endpoint}` === id);
    expect(hit, `${id} missing; got ${ids(findings).join(' | ')}`).toBeDefined();
    expect(hit?.severity).toBe(severity);
  });

  it('does not send the admin-only PUT to a product it did not create (do no harm): kept back and named in the notes', () => {
    expect(ids(findings)).not.toContain('rampart-api5-bfla PUT /api/Products/{id}');
    expect(app.log.filter((l) => /^PUT \/api\/Products\//.test(l))).toEqual([]);
    expect(part.notes?.join('\n')).toMatch(/were not sent: .*PUT \/api\/Products\/\{id\} \(\d+\)/);
  });

  it('recognises the catch-all page once: no undocumented-route flood for /.env, /.git/config, /actuator…', () => {
    const api9 = findings.filter((f) => f.category === 'API9:2023');
    expect(ids(api9)).toEqual(['rampart-api9-undocumented-sensitive-route GET /metrics']);
    expect(part.notes?.join('\n')).toMatch(
      /one catch-all page \(200, text\/html[^)]*\); [1-9]\d* probed path\(s\) got that page and were not reported/,
    );
  });

  it('does not call the empty-user answer of whoami an auth bypass: it is not the protected content', () => {
    expect(
      findings.filter((f) =>
        /rampart-api2-(no-token|garbage-token|alg-none|wrong-signature|expired-token)/.test(f.ruleId),
      ),
    ).toEqual([]);
  });

  it('does not file the login bypass as a leak, and GET of a public product is not an admin function', () => {
    expect(findings.filter((f) => f.endpoint === 'POST /rest/user/login' && f.category === 'API3:2023')).toEqual([]);
    expect(ids(findings)).not.toContain('rampart-api5-bfla GET /api/Products/{id}');
  });

  it('shows the working document it discovered in the report', () => {
    const notes = part.notes?.join('\n') ?? '';
    // main.js and the chunk it loads lazily; the chunk's route starts with a variable (`${this.hostServer}/rest/…`).
    expect(notes).toMatch(/operations discovered from the app's page and 2 script/);
    for (const op of [
      'POST /rest/user/login',
      'GET /rest/basket/{id}',
      'PUT /api/Products/{id}',
      'GET /rest/products/search',
      'POST /rest/user/reset-password',
    ])
      expect(notes).toContain(op);
    // Unknown /rest paths answer 500 "Unexpected path" here: a GET that answers just like a made-up path is not kept.
    expect(notes).not.toContain('GET /rest/track-order-and-delivery-status');
    // A write is never sent by discovery (nothing safe tells it from that catch-all): kept, unverified, and no finding on it.
    expect(notes).toContain('POST /rest/web3/submitKey');
    for (const op of ['POST /rest/web3/submitKey', 'GET /rest/track-order-and-delivery-status'])
      expect(findings.filter((f) => f.endpoint.startsWith(op))).toEqual([]);
  });
});

describe('the vulnerable shop from a HAR recording, token in header and cookie, with an administrator to compare with', () => {
  let app: ShopApp;
  let findings: Finding[];
  let notes: string;
  beforeAll(async () => {
    app = await startShopApp({ hardened: false });
    const har = path.join(dir, 'vulnerable.har');
    await writeFile(har, shopHar(app.url));
    const part = await scan(app, bothAuth, { har });
    findings = part.findings ?? [];
    notes = part.notes?.join('\n') ?? '';
  }, 90_000);
  afterAll(async () => app?.stop());

  it('finds stored XSS through a JSON body on the HTML feedback board', () => {
    expect(ids(findings)).toContain('rampart-inj-xss-stored GET /rest/feedback/board');
  });

  it("finds B adding items to A's basket by naming it in the body (captured id into a request body)", () => {
    expect(ids(findings)).toContain('rampart-api1-bola-body POST /api/BasketItems');
  });

  it('runs the exposure checks past a catch-all parameter route (GET /{id} in the recording does not hide /metrics)', () => {
    expect(ids(findings)).toContain('rampart-api9-undocumented-sensitive-route GET /metrics');
  });

  it('finds stored XSS through JSON where the JSON list itself is served as text/html (a review of a product the scan does not own)', () => {
    expect(ids(findings)).toContain('rampart-inj-xss-stored GET /rest/products/{id}/reviews');
  });

  it('finds NoSQL operator injection on the review update, whose plain request is accepted: {"$in": [its own review]} changed that review and no other', () => {
    const hit = findings.find((f) => f.ruleId === 'rampart-inj-nosql' && f.endpoint === 'PATCH /rest/products/reviews');
    expect(hit, ids(findings).join(' | ')).toBeDefined();
    expect(hit?.severity).toBe('critical');
    expect(
      app.state.reviews.filter((r) => !r.author.startsWith('rampart-')).every((r) => !r.message.includes('rampart')),
    ).toBe(true);
  });

  it('finds the same access-control and injection flaws', () => {
    for (const id of [
      'rampart-api1-bola-read GET /rest/basket/{id}',
      'rampart-inj-sql-auth-bypass POST /rest/user/login',
    ]) {
      expect(ids(findings), id).toContain(id);
    }
  });

  it('leaves no trace where the API allows it: its feedback deleted, the customer’s kept, the product untouched, accounts listed', () => {
    const alice = app.state.users.find((u) => u.email === 'alice@shop.test');
    expect([...app.state.feedback.values()].map((f) => f.userId)).toEqual([alice?.id, alice?.id]);
    expect(app.state.products[0]).toMatchObject({ name: 'Apple Juice', price: 1.99 });
    expect(notes).toMatch(/clean-up removed [1-9]\d* created object\(s\)/);
    expect(notes).toMatch(
      /left on the target.*account "rampart-[a-z0-9]+@example\.test" \(no deleteAccount in --auth-config\)/,
    );
  });
});

describe('--allow-destructive without admin credentials', () => {
  it('a product the ordinary user could change was read before the change and is put back by that user', async () => {
    await using app = await startShopApp({ hardened: false });
    const har = path.join(dir, 'no-rules.har');
    await writeFile(har, shopHar(app.url));
    const authConfig = parseAuthConfig({
      ...(parseYaml(await readFile(repoPath('security/fixtures/shop-auth.yaml'), 'utf8')) as object),
      admin: null,
    });
    const part = await scan(app, authConfig, { har, allowDestructive: true });
    expect(ids(part.findings ?? [])).toContain('rampart-api5-bfla PUT /api/Products/{id}');
    expect(app.log.filter((l) => l === 'PUT /api/Products/1').length).toBeGreaterThan(1); // the attack and the restore
    expect(app.state.products[0]).toMatchObject({ name: 'Apple Juice', price: 1.99 });
    expect(part.notes?.join('\n')).toMatch(/restored [1-9]\d* changed object\(s\)/);
  }, 90_000);
});

describe('the hardened twin', () => {
  it.each([
    ['discovered from the page, cookie session', false],
    ['from a HAR, header and cookie, admin given', true],
  ] as const)(
    'yields no finding at medium or above (%s)',
    async (_name, withHar) => {
      await using app = await startShopApp({ hardened: true });
      const har = path.join(dir, `hardened-${withHar}.har`);
      if (withHar) await writeFile(har, shopHar(app.url));
      const part = await scan(app, withHar ? bothAuth : cookieAuth, withHar ? { har } : {});
      expect(
        failingFindings(part.findings ?? [], 'medium').map(
          (f) => `${f.severity} ${f.ruleId} ${f.endpoint}: ${f.description.slice(0, 160)}`,
        ),
      ).toEqual([]);
      // It really ran: the limits were met and the catch-all recognised.
      expect(part.notes?.join('\n')).toMatch(/rate limit reached after \d+ requests/);
      expect(part.notes?.join('\n')).toMatch(/catch-all page/);
    },
    90_000,
  );
});

describe('--read-only', () => {
  it('sends nothing but GET/HEAD/OPTIONS beyond the register/login steps, and changes nothing', async () => {
    await using app = await startShopApp({ hardened: false });
    const har = path.join(dir, 'readonly.har');
    await writeFile(har, shopHar(app.url));
    const part = await scan(app, bothAuth, { har, readOnly: true });
    const writes = app.log.filter(
      (l) => !/^(GET|HEAD|OPTIONS) /.test(l) && !/^POST \/rest\/user\/(login|register)$/.test(l),
    );
    expect(writes).toEqual([]);
    expect(app.state.products[0]).toMatchObject({ name: 'Apple Juice', price: 1.99 });
    // Safe probes still find what reading can find.
    expect(ids(part.findings ?? [])).toContain('rampart-api1-bola-read GET /rest/basket/{id}');
  }, 90_000);
});
