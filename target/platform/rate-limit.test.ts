import { describe, expect, it } from 'vitest';
import { useDatabase, useRedis } from '../../test/services.ts';
import { call, startTestTarget } from '../testing.ts';
import type { TestTarget } from '../testing.ts';

async function signUp(t: TestTarget, tag: string) {
  const u = { email: `${tag}-${Date.now()}@example.test`, password: 'password123!', handle: `${tag}_${Date.now() % 1_000_000}` };
  expect((await call(t.url, 'POST', '/v1/auth/register', { body: u })).status).toBe(201);
  const login = await call(t.url, 'POST', '/v1/auth/login', { body: { email: u.email, password: u.password } });
  return login.body.accessToken as string;
}

const parseRemaining = (h: string | null) => Number(/r=(\d+)/.exec(h ?? '')?.[1]);

describe('rate limiting', () => {
  it('counts one user across two app instances sharing Redis: headers on every response, 429 + Retry-After past the limit', async () => {
    await using db = await useDatabase();
    await using redis = await useRedis();
    const env = { RATE_LIMIT_PER_MINUTE: '6', RATE_LIMIT_ANON_PER_MINUTE: '1000' };
    await using a = await startTestTarget({ env, redis, databaseUrl: db.url });
    await using b = await startTestTarget({ env, redis, databaseUrl: db.url });
    const token = await signUp(a, 'rl');
    const remaining: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await call(i % 2 ? b.url : a.url, 'GET', '/v1/users/me', { token });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toBe('"user";q=6;w=60');
      remaining.push(parseRemaining(res.headers.get('ratelimit')));
    }
    expect(remaining).toEqual([5, 4, 3, 2, 1, 0]);
    const over = await call(a.url, 'GET', '/v1/users/me', { token });
    expect(over.status).toBe(429);
    expect(over.headers.get('content-type')).toContain('application/problem+json');
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(over.headers.get('ratelimit')).toMatch(/^"user";r=0;t=\d+$/);
    expect((await call(b.url, 'GET', '/v1/users/me', { token })).status).toBe(429);
  });

  it('limits anonymous requests per IP under their own policy', async () => {
    await using t = await startTestTarget({ env: { RATE_LIMIT_ANON_PER_MINUTE: '3' } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(t.url, 'GET', '/v1/users/00000000-0000-4000-8000-000000000000')).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const res = await call(t.url, 'GET', '/v1/users/00000000-0000-4000-8000-000000000000');
    expect(res.headers.get('ratelimit-policy')).toBe('"ip";q=3;w=60');
  });
});

describe('rate limiting before any other work', () => {
  it('counts requests with a bad token or a malformed body against the IP, with the headers on the 401/400', async () => {
    await using t = await startTestTarget({ env: { RATE_LIMIT_ANON_PER_MINUTE: '3' } });
    const bad = await call(t.url, 'GET', '/v1/users/me', { token: 'not-a-jwt' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('ratelimit')).toBe('"ip";r=2;t=60');
    const malformed = await call(t.url, 'POST', '/v1/auth/login', { body: '{"email":' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('ratelimit')).toMatch(/^"ip";r=1;/);
    await call(t.url, 'GET', '/v1/users/me', { token: 'not-a-jwt' });
    expect((await call(t.url, 'GET', '/v1/users/me', { token: 'still-not-a-jwt' })).status).toBe(429);
  });
});
