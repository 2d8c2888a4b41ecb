import { Router } from 'express';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startPostgres } from '../../stack/index.ts';
import { useDatabase, useRedis } from '../../test/services.ts';
import { call, redisCommandCalls, startTestTarget } from '../testing.ts';
import type { TestTarget } from '../testing.ts';
import { ServiceUnavailableError } from './http-errors.ts';

async function signUp(t: TestTarget, tag: string) {
  const u = {
    email: `${tag}-${Date.now()}@example.test`,
    password: 'password123!',
    handle: `${tag}_${Date.now() % 1_000_000}`,
  };
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
    for (let i = 0; i < 4; i++)
      statuses.push((await call(t.url, 'GET', '/v1/users/00000000-0000-4000-8000-000000000000')).status);
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

// Routes that answer as a failing server would: 503 (a dependency down), 500 (a bug); and a 4xx for contrast.
const failing = {
  path: '/v1/test-failures',
  router: () => {
    const r = Router();
    r.post('/unavailable', () => {
      throw new ServiceUnavailableError('The database is unavailable; try again shortly.', 5, 'POSTGRES_UNAVAILABLE');
    });
    r.post('/bug', () => {
      throw new Error('a bug');
    });
    r.post('/gone', (_req, res) => {
      res.status(410).end();
    });
    return r;
  },
};

const remainingAfter = async (t: TestTarget, token: string) =>
  parseRemaining((await call(t.url, 'GET', '/v1/users/me', { token })).headers.get('ratelimit'));

describe('requests the server failed are not charged', () => {
  it('a 5xx is refunded to the user once answered, a 4xx stays charged: a client retrying after an outage keeps its budget', async () => {
    await using t = await startTestTarget({
      env: { RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_ANON_PER_MINUTE: '1000' },
      routes: [failing],
    });
    const token = await signUp(t, 'refund');
    expect(await remainingAfter(t, token)).toBe(4);
    // Ten failed requests against a limit of five: none is 429, and the budget is where it was.
    for (let i = 0; i < 10; i++) {
      const res = await call(t.url, 'POST', `/v1/test-failures/${i % 2 ? 'bug' : 'unavailable'}`, { token });
      expect(res.status).toBe(i % 2 ? 500 : 503);
    }
    expect(await remainingAfter(t, token)).toBe(3);
    expect(await call(t.url, 'GET', '/metrics').then((m) => String(m.body))).toMatch(
      /rate_limit_refunds_total\{policy="user"\} 10/,
    );
    // An answer the server gave (4xx) is the client's request and counts.
    expect((await call(t.url, 'POST', '/v1/test-failures/gone', { token })).status).toBe(410);
    expect(await remainingAfter(t, token)).toBe(1);
  });

  it('writes answered 503 while PostgreSQL is down cost nothing; once it is back the same idempotent write succeeds within the limit', async () => {
    await using pg = await startPostgres();
    await using t = await startTestTarget({
      databaseUrl: pg.url,
      env: { RATE_LIMIT_PER_MINUTE: '6', RATE_LIMIT_ANON_PER_MINUTE: '1000' },
    });
    const token = await signUp(t, 'pgdown');
    const write = () =>
      call(t.url, 'POST', '/v1/posts', {
        token,
        body: { body: 'kept once' },
        headers: { 'idempotency-key': 'retry-after-outage' },
      });
    await pg.stopProcess();
    const during: number[] = [];
    for (let i = 0; i < 8; i++) during.push((await write()).status);
    expect(during).toEqual(Array(8).fill(503));
    await pg.restart();
    // The breaker half-opens after BREAKER_RESET_TIMEOUT (2 s): the client retries meanwhile, each 503 refunded.
    let res = await write();
    for (const deadline = Date.now() + 20_000; res.status === 503 && Date.now() < deadline; res = await write())
      await new Promise((r) => setTimeout(r, 500));
    expect(res.status).toBe(201);
    // The sign-in's login is anonymous: one charged success so far, eight 503s (and any while PostgreSQL came back) refunded.
    expect(parseRemaining(res.headers.get('ratelimit'))).toBe(5);
    expect(await remainingAfter(t, token)).toBe(4);
  });
});

/** How many times Redis ran the limiter's scripts (EVALSHA and EVAL) so far. */
/** The limiter's Lua script runs (EVALSHA, and EVAL when Redis did not have it). */
const scriptCalls = (redisUrl: string) => redisCommandCalls(redisUrl, 'evalsha', 'eval');

describe('leases: points taken from Redis several at a time', () => {
  it('one user on one worker gets exactly its 100 a minute, the 101st is 429, with about a fifth of the Redis round trips', async () => {
    await using redis = await useRedis();
    const statuses = async (lease: string) => {
      await using t = await startTestTarget({
        redis,
        env: { RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_ANON_PER_MINUTE: '1000', RATE_LIMIT_LEASE: lease },
      });
      const token = await signUp(t, `lease${lease}`);
      const before = await scriptCalls(redis.url);
      const seen: number[] = [];
      const remaining: number[] = [];
      for (let i = 0; i < 101; i++) {
        const res = await call(t.url, 'GET', '/v1/users/me', { token });
        seen.push(res.status);
        remaining.push(parseRemaining(res.headers.get('ratelimit')));
      }
      return { seen, remaining, scripts: (await scriptCalls(redis.url)) - before };
    };
    const leased = await statuses('8');
    expect(leased.seen.slice(0, 100)).toEqual(Array(100).fill(200));
    expect(leased.seen[100]).toBe(429);
    // One worker sees its own lease: the header counts down exactly as without leases.
    expect(leased.remaining).toEqual([...Array.from({ length: 100 }, (_, i) => 99 - i), 0]);
    const perRequest = await statuses('1');
    expect(perRequest.seen).toEqual(leased.seen);
    expect(perRequest.scripts).toBeGreaterThanOrEqual(101);
    // Leases of 8 while far from the limit, one point at a time in the last quarter: 22 script runs here.
    expect(leased.scripts).toBeLessThan(30);
  });

  it('a user whose requests alternate between two instances is never let past the limit, and refused early by fewer than one lease', async () => {
    await using db = await useDatabase();
    await using redis = await useRedis();
    const env = { RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_ANON_PER_MINUTE: '1000', RATE_LIMIT_LEASE: '8' };
    await using a = await startTestTarget({ env, redis, databaseUrl: db.url });
    await using b = await startTestTarget({ env, redis, databaseUrl: db.url });
    const token = await signUp(a, 'alt');
    let allowed = 0;
    const statuses: number[] = [];
    for (let i = 0; i < 120; i++) {
      const res = await call(i % 2 ? b.url : a.url, 'GET', '/v1/users/me', { token });
      statuses.push(res.status);
      if (res.status === 200) allowed += 1;
    }
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(allowed).toBeLessThanOrEqual(100);
    expect(allowed).toBeGreaterThan(100 - 8);
    // The shared counter holds exactly what was granted: never past the limit.
    const c = new Redis(redis.url);
    const keys = await c.keys('rl:user:*');
    expect(keys).toHaveLength(1);
    expect(Number(await c.get(keys[0] as string))).toBeLessThanOrEqual(100);
    c.disconnect();
  });

  it('a 5xx is refunded into the lease: ten failed requests leave the budget where it was', async () => {
    await using t = await startTestTarget({
      env: { RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_ANON_PER_MINUTE: '1000', RATE_LIMIT_LEASE: '8' },
      routes: [failing],
    });
    const token = await signUp(t, 'leaserefund');
    expect(await remainingAfter(t, token)).toBe(99);
    for (let i = 0; i < 10; i++)
      expect((await call(t.url, 'POST', '/v1/test-failures/unavailable', { token })).status).toBe(503);
    expect(await remainingAfter(t, token)).toBe(98);
    expect((await call(t.url, 'POST', '/v1/test-failures/gone', { token })).status).toBe(410);
    expect(await remainingAfter(t, token)).toBe(96);
  });
});
