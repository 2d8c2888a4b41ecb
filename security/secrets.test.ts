import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { repoPath } from '../common/index.ts';
import { parseAuthConfig } from './auth-config.ts';
import { runScan } from './run-scan.ts';
import { SHOP_ADMIN, startShopApp } from './test-apps/shop-app.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const JWT = /eyJ[\w-]{5,}\.[\w-]{5,}\./;
const shopYaml = async (file: string) =>
  parseYaml(await readFile(repoPath(`security/fixtures/${file}`), 'utf8')) as Record<string, unknown>;

describe('secrets are never printed', () => {
  it("a wrong token location in the auth config fails without printing the login answer's token or hash", async () => {
    await using app = await startShopApp({ hardened: false });
    const raw = await shopYaml('shop-auth-cookie.yaml');
    const auth = parseAuthConfig({
      ...raw,
      login: { ...(raw.login as object), token: { source: 'header', name: 'x-auth-token' } },
      sendToken: { in: 'header', name: 'authorization', prefix: 'Bearer ' },
    });
    const err = await runScan({
      target: new URL(app.url),
      profile: 'quick',
      seed: 1,
      authConfig: auth,
      signal: AbortSignal.timeout(30_000),
    }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    const text = `${(err as Error).message} ${String((err as { hint?: string }).hint)}`;
    expect(text).toMatch(/could not log scan user A in with POST \/rest\/user\/login: 200/);
    expect(text).not.toMatch(JWT);
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain(md5('Rampart-scan-pw-7431!'));
  });

  it('a whole scan of the shop (the JWT carries the password hash) prints no token, cookie, password or hash in notes, findings or progress', async () => {
    await using app = await startShopApp({ hardened: false });
    const progress: string[] = [];
    const auth = parseAuthConfig(await shopYaml('shop-auth.yaml'));
    const part = await runScan({
      target: new URL(app.url),
      profile: 'quick',
      seed: 3,
      authConfig: auth,
      progress: (l) => progress.push(l),
      signal: AbortSignal.timeout(90_000),
    });
    const printed = JSON.stringify({ findings: part.findings, notes: part.notes, events: part.events, progress });
    expect(printed).not.toMatch(JWT);
    for (const secret of [SHOP_ADMIN.password, md5(SHOP_ADMIN.password), auth.password, md5(auth.password)])
      expect(printed).not.toContain(secret);
    // The scan did meet these secrets: the JWT claims finding is there, with its evidence redacted.
    expect(part.findings?.some((f) => f.ruleId === 'rampart-api2-jwt-sensitive-claims')).toBe(true);
  }, 90_000);
});

/** An API with opaque (non-JWT) session ids sent in a query parameter no pattern knows (`?sid=`). */
async function opaqueSessionApi() {
  const issued: string[] = [];
  const app = express().use(express.json());
  app.get(
    '/openapi.json',
    (_q, r) =>
      void r.json({
        openapi: '3.0.3',
        info: { title: 't', version: '1' },
        paths: {
          '/me': { get: { security: [{ s: [] }], responses: { 200: { description: 'me' } } } },
        },
        components: { securitySchemes: { s: { type: 'apiKey', in: 'query', name: 'sid' } } },
      }),
  );
  app.post('/signup', (_q, r) => void r.status(201).json({ user: { id: String(issued.length + 1) } }));
  app.post('/login', (_q, r) => {
    const sid = `s${Math.random().toString(16).slice(2)}${Math.random().toString(16).slice(2)}`;
    issued.push(sid);
    r.json({ session: sid });
  });
  app.get(
    '/me',
    (q, r) =>
      void (issued.includes(String(q.query.sid))
        ? r.json({ id: 1, name: 'me' })
        : r.status(401).json({ error: 'no session' })),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    issued,
    [Symbol.asyncDispose]: () => new Promise<void>((res) => server.close(() => res())),
  };
}

describe('secrets are never printed, whatever their form', () => {
  it('opaque session ids in a query parameter are scrubbed by value from every note and finding', async () => {
    await using api = await opaqueSessionApi();
    const auth = parseAuthConfig({
      register: { path: '/signup', body: { email: '{{email}}' }, userIdPointer: '/user/id' },
      login: {
        path: '/login',
        body: { email: '{{email}}' },
        token: { source: 'body', pointer: '/session' },
        refreshTokenPointer: null,
      },
      logout: null,
      sendToken: { in: 'query', name: 'sid', prefix: '' },
      mePath: '/me',
      usersCollection: null,
    });
    const part = await runScan({
      target: new URL(api.url),
      profile: 'quick',
      seed: 2,
      authConfig: auth,
      signal: AbortSignal.timeout(60_000),
    });
    const printed = JSON.stringify({ findings: part.findings, notes: part.notes });
    expect(api.issued.length).toBeGreaterThan(2);
    expect(printed).toContain('sid=[REDACTED]'); // the evidence shows where the session went
    for (const sid of api.issued) expect(printed).not.toContain(sid);
  }, 60_000);
});

describe('the auth config names unknown keys', () => {
  it.each([
    [{ sendTokens: { in: 'header' } }, 'sendTokens', 'sendToken', '(root)'],
    [{ login: { path: '/login', tokne: { source: 'none' } } }, 'tokne', 'token', 'login'],
    [{ captures: [{ name: 'b', pointer: '/b', itemPth: '/b/{id}' }] }, 'itemPth', 'itemPath', 'captures[0]'],
    [{ sendToken: { in: 'cookie', nmae: 'sid' } }, 'nmae', 'name', 'sendToken'],
  ])('%j: exit-2 error naming the key and the nearest valid one', (config, bad, near, where) => {
    let err: unknown;
    try {
      parseAuthConfig(config);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string })?.code).toBe('RAMPART_AUTH_CONFIG_INVALID');
    expect((err as Error).message).toContain(`${where}: unknown key "${bad}"; did you mean "${near}"?`);
  });

  it('the bundled fixtures and the defaults still parse', async () => {
    expect(() => parseAuthConfig({})).not.toThrow();
    for (const f of ['shop-auth.yaml', 'shop-auth-cookie.yaml'])
      expect(() => parseAuthConfig(parseYaml(readFileSync(repoPath(`security/fixtures/${f}`), 'utf8')))).not.toThrow();
  });
});
