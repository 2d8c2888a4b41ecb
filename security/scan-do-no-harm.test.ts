import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../common/index.ts';
import { loadAuthConfig } from './auth-config.ts';
import type { AuthConfig } from './auth-config.ts';
import { runScan } from './run-scan.ts';
import { startShopApp } from './test-apps/shop-app.ts';
import type { ShopApp } from './test-apps/shop-app.ts';
import { shopHar } from './test-apps/shop-recording.ts';
import { startVulnerableApp } from './test-apps/vulnerable-app.ts';

/**
 * Do no harm: the shop holds data the scan did not create (a customer, her
 * feedback and reviews, the admin's review, the products). After a default
 * scan every one of those rows is exactly as it was; every account the scan
 * left is tagged and named in the notes.
 */
let dir: string;
let auth: AuthConfig;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rampart-harm-'));
  auth = await loadAuthConfig(repoPath('security/fixtures/shop-auth.yaml'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** The accounts a "left on the target" note names (each as a JSON string). */
const accountsIn = (left: string) =>
  [...left.matchAll(/account ("(?:[^"\\]|\\.)*") \(/g)].map((m) => JSON.parse(m[1] as string) as string);

/** The shop's rows, copied: users by email, feedback, reviews and products by id. */
function rows(app: ShopApp) {
  const s = app.state;
  return {
    users: new Map(s.users.map((u) => [u.email, structuredClone(u)])),
    feedback: new Map([...s.feedback.values()].map((f) => [f.id, structuredClone(f)])),
    reviews: new Map(s.reviews.map((r) => [r.id, structuredClone(r)])),
    products: new Map(s.products.map((p) => [p.id, structuredClone(p)])),
  };
}

async function scanned(hardened: boolean, extra: { allowDestructive?: boolean } = {}) {
  const app = await startShopApp({ hardened });
  const har = path.join(dir, `${hardened}-${extra.allowDestructive === true}.har`);
  await writeFile(har, shopHar(app.url));
  const before = rows(app);
  const part = await runScan({
    target: new URL(app.url),
    profile: 'quick',
    seed: 13,
    authConfig: auth,
    har,
    signal: AbortSignal.timeout(90_000),
    ...extra,
  });
  return { app, before, after: rows(app), part, notes: (part.notes ?? []).join('\n') };
}

describe.each([
  ['the vulnerable shop', false],
  ['the hardened shop', true],
] as const)('a default scan of %s', (_name, hardened) => {
  let r: Awaited<ReturnType<typeof scanned>>;
  beforeAll(async () => {
    r = await scanned(hardened);
  }, 90_000);
  afterAll(async () => r?.app.stop());

  it('leaves every row it did not create exactly as it was (compared row by row)', () => {
    for (const table of ['users', 'feedback', 'reviews', 'products'] as const) {
      for (const [key, row] of r.before[table] as Map<unknown, unknown>) {
        expect((r.after[table] as Map<unknown, unknown>).get(key), `${table} ${String(key)}`).toEqual(row);
      }
    }
    // The data is real: alice's rows are there to be harmed.
    expect([...r.before.reviews.values()].filter((x) => x.author === 'alice@shop.test')).toHaveLength(2);
  });

  it('tags every account it created, and the notes name exactly the accounts left', () => {
    const created = [...r.after.users.keys()].filter((e) => !r.before.users.has(e));
    expect(created.length).toBeGreaterThan(2);
    for (const email of created) expect(email).toMatch(/^rampart-/);
    const left = /left on the target \(\d+;[^)]*\): (.*)$/m.exec(r.notes)?.[1] ?? '';
    const named = accountsIn(left);
    expect(new Set(named)).toEqual(new Set(created));
  });

  it('sends no DELETE/PUT/PATCH to what it did not create, and says what it kept back', () => {
    for (const id of r.before.products.keys()) expect(r.app.log).not.toContain(`PUT /api/Products/${id}`);
    expect(r.notes).toMatch(
      /do no harm: \d+ DELETE\/PUT\/PATCH request\(s\) to objects the scan did not create were not sent: .*PUT \/api\/Products\/\{id\}/,
    );
    expect(r.notes).toMatch(/PATCH \/rest\/products\/reviews/);
  });

  it('removes what it created and reads it back', () => {
    const feedbackByScan = [...r.after.feedback.values()].filter((f) => !r.before.feedback.has(f.id));
    expect(feedbackByScan).toEqual([]);
    expect(r.notes).toMatch(/clean-up removed [1-9]\d* created object\(s\)/);
  });
});

describe('--allow-destructive', () => {
  let r: Awaited<ReturnType<typeof scanned>>;
  beforeAll(async () => {
    r = await scanned(false, { allowDestructive: true });
  }, 90_000);
  afterAll(async () => r?.app.stop());

  it('writes to objects it did not create, finds what only a write shows, and restores each one, read back', () => {
    expect((r.part.findings ?? []).map((f) => `${f.ruleId} ${f.endpoint}`)).toContain(
      'rampart-api5-bfla PUT /api/Products/{id}',
    );
    expect(r.app.log.filter((l) => l === 'PUT /api/Products/1').length).toBeGreaterThan(1); // the attack and the restore
    expect(r.notes).toMatch(
      /restored \/api\/Products\/1 after PUT \/api\/Products\/\{id\} \(PUT with its snapshot: name, price; read back equal\)/,
    );
    for (const [id, row] of r.before.products) expect(r.after.products.get(id)).toEqual(row);
  });

  it('names the flag in the notes instead of the kept-back writes', () => {
    expect(r.notes).toMatch(/--allow-destructive: \d+ object\(s\) the scan did not create were written to/);
    expect(r.notes).not.toMatch(/were not sent/);
  });
});

describe('the notes app (register documented, no CAPTCHA: fuzz and injection cases can create accounts)', () => {
  it('every account a payload created is tagged and named; the user and note it did not create are unchanged', async () => {
    await using app = await startVulnerableApp();
    const users = new Map([...app.state.users].map(([k, v]) => [k, structuredClone(v)]));
    const notesBefore = new Map([...app.state.notes].map(([k, v]) => [k, structuredClone(v)]));
    const part = await runScan({
      target: new URL(app.url),
      profile: 'quick',
      seed: 1234,
      signal: AbortSignal.timeout(90_000),
    });
    for (const [id, u] of users) expect(app.state.users.get(id), u.email).toEqual(u);
    for (const [id, n] of notesBefore) expect(app.state.notes.get(id), n.title).toEqual(n);
    const created = [...app.state.users.values()].filter((u) => !users.has(u.id)).map((u) => u.email);
    expect(created.length).toBeGreaterThan(9); // the scan users and the payloads' accounts
    const untagged = created.filter((e) => !e.startsWith('rampart-'));
    expect(untagged).toEqual([]);
    const notes = (part.notes ?? []).join('\n');
    const left = /left on the target \(\d+;[^)]*\): (.*)$/m.exec(notes)?.[1] ?? '';
    const named = accountsIn(left);
    expect(new Set(named)).toEqual(new Set(created));
  }, 90_000);
});
