import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestTarget, TEST_JWT_SECRET } from '../testing.ts';
import type { TestTarget } from '../testing.ts';
import { AUDIENCE, ISSUER } from './domain/access-tokens.ts';

let t: TestTarget;
let n = 0;
const fresh = () => ({
  email: `u${++n}-${Date.now()}@example.test`,
  password: 'password123!',
  handle: `h${n}_${Date.now() % 100000}`,
});

async function registerAndLogin(u = fresh()) {
  const reg = await call(t.url, 'POST', '/v1/auth/register', { body: u });
  expect(reg.status).toBe(201);
  const login = await call(t.url, 'POST', '/v1/auth/login', { body: { email: u.email, password: u.password } });
  expect(login.status).toBe(200);
  return {
    ...u,
    id: reg.body.user.id as string,
    access: login.body.accessToken as string,
    refresh: login.body.refreshToken as string,
  };
}

beforeAll(async () => {
  t = await startTestTarget({ env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', RATE_LIMIT_PER_MINUTE: '10000' } });
});
afterAll(async () => {
  await t?.stop();
});

describe('register', () => {
  it('creates a user with role user even when the body asks for admin, and 409s a taken email', async () => {
    const u = fresh();
    const res = await call(t.url, 'POST', '/v1/auth/register', {
      body: { ...u, role: 'admin', id: '00000000-0000-0000-0000-000000000000' },
    });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: u.email, handle: u.handle, role: 'user' });
    expect(res.body.user.id).not.toBe('00000000-0000-0000-0000-000000000000');
    expect(res.body.user).not.toHaveProperty('passwordHash');
    const again = await call(t.url, 'POST', '/v1/auth/register', {
      body: { ...u, email: u.email.toUpperCase(), handle: 'other_handle' },
    });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers 422 naming the bad field', async () => {
    const res = await call(t.url, 'POST', '/v1/auth/register', { body: { ...fresh(), email: 'not-an-email' } });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['email']);
    const short = await call(t.url, 'POST', '/v1/auth/register', { body: { ...fresh(), password: 'short' } });
    expect(short.body.errors[0].field).toBe('password');
  });
});

describe('login and access tokens', () => {
  it('gives a token pair that opens /v1/users/me; a wrong password or unknown email is 401', async () => {
    const u = await registerAndLogin();
    expect((await call(t.url, 'GET', '/v1/users/me', { token: u.access })).status).toBe(200);
    expect(
      (await call(t.url, 'POST', '/v1/auth/login', { body: { email: u.email, password: 'wrong-password' } })).status,
    ).toBe(401);
    expect(
      (await call(t.url, 'POST', '/v1/auth/login', { body: { email: 'nobody@example.test', password: 'whatever1' } }))
        .status,
    ).toBe(401);
  });

  it('refuses alg none, a wrong signature and an expired token with 401', async () => {
    const u = await registerAndLogin();
    const [, payload] = u.access.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const wrongKey = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(u.id)
      .setJti('x')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    const expired = await new SignJWT({ role: 'user' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(u.id)
      .setJti('y')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    for (const [token, code] of [
      [none, 'TOKEN_INVALID'],
      [wrongKey, 'TOKEN_INVALID'],
      [expired, 'TOKEN_EXPIRED'],
      ['garbage', 'TOKEN_INVALID'],
    ] as const) {
      const res = await call(t.url, 'GET', '/v1/users/me', { token });
      expect(res.status, token).toBe(401);
      expect(res.body.code).toBe(code);
    }
  });

  it('limits failed logins per account: 429 with Retry-After once the limit is spent, even with the right password', async () => {
    const u = await registerAndLogin();
    for (let i = 0; i < 3; i++)
      expect(
        (await call(t.url, 'POST', '/v1/auth/login', { body: { email: u.email, password: 'wrong-password' } })).status,
      ).toBe(401);
    const blocked = await call(t.url, 'POST', '/v1/auth/login', { body: { email: u.email, password: u.password } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('refresh tokens', () => {
  it('rotate, and reusing a spent one revokes the whole family', async () => {
    const u = await registerAndLogin();
    const first = await call(t.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: u.refresh } });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(u.refresh);
    const reuse = await call(t.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: u.refresh } });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    // The legitimately rotated token died with its family.
    const next = await call(t.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
    expect(next.status).toBe(401);
    expect((await call(t.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: 'made-up' } })).status).toBe(401);
  });
});

describe('logout', () => {
  it('kills the access token at once and revokes the refresh family', async () => {
    const u = await registerAndLogin();
    expect(
      (await call(t.url, 'POST', '/v1/auth/logout', { token: u.access, body: { refreshToken: u.refresh } })).status,
    ).toBe(204);
    const after = await call(t.url, 'GET', '/v1/users/me', { token: u.access });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('TOKEN_REVOKED');
    expect((await call(t.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: u.refresh } })).status).toBe(401);
    expect((await call(t.url, 'POST', '/v1/auth/logout', {})).status).toBe(401);
  });
});

describe('password reset', () => {
  it('writes the reset mail to the outbox; confirming sets the new password once and revokes sessions', async () => {
    const u = await registerAndLogin();
    expect(
      (await call(t.url, 'POST', '/v1/auth/password-reset/request', { body: { email: 'ghost@example.test' } })).status,
    ).toBe(202);
    expect((await call(t.url, 'POST', '/v1/auth/password-reset/request', { body: { email: u.email } })).status).toBe(
      202,
    );
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    const { rows } = await client.query<{
      topic: string;
      recipient: string;
      payload: { resetToken: string; text: string };
    }>('SELECT topic, recipient, payload FROM outbox ORDER BY id');
    await client.end();
    expect(rows.map((r) => r.recipient)).toEqual([u.email]);
    const mail = rows[0]!;
    expect(mail.topic).toBe('mail.password-reset');
    expect(mail.payload.text).toContain(mail.payload.resetToken);

    const bad = await call(t.url, 'POST', '/v1/auth/password-reset/confirm', {
      body: { token: 'nope', newPassword: 'brand-new-pass' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('token');
    expect(
      (
        await call(t.url, 'POST', '/v1/auth/password-reset/confirm', {
          body: { token: mail.payload.resetToken, newPassword: 'brand-new-pass' },
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await call(t.url, 'POST', '/v1/auth/password-reset/confirm', {
          body: { token: mail.payload.resetToken, newPassword: 'another-pass-1' },
        })
      ).status,
    ).toBe(422);
    expect(
      (await call(t.url, 'POST', '/v1/auth/login', { body: { email: u.email, password: 'brand-new-pass' } })).status,
    ).toBe(200);
    expect((await call(t.url, 'POST', '/v1/auth/refresh', { body: { refreshToken: u.refresh } })).status).toBe(401);
  });
});

describe('brute force per IP', () => {
  it('429s logins from one IP after too many failures across different accounts', async () => {
    await using ip = await startTestTarget({
      env: { LOGIN_MAX_FAILURES_PER_IP: '4', LOGIN_MAX_FAILURES_PER_ACCOUNT: '100' },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (
          await call(ip.url, 'POST', '/v1/auth/login', {
            body: { email: `nobody${i}@example.test`, password: 'wrong-password' },
          })
        ).status,
      );
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });
});
