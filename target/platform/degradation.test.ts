import { describe, expect, it } from 'vitest';
import { startPostgres } from '../../stack/index.ts';
import { call, startTestTarget } from '../testing.ts';
import type { TestTarget } from '../testing.ts';

async function signUp(t: TestTarget, tag: string) {
  const u = {
    email: `${tag}-${Date.now()}@example.test`,
    password: 'password123!',
    handle: `${tag}_${Date.now() % 1_000_000}`,
  };
  const reg = await call(t.url, 'POST', '/v1/auth/register', { body: u });
  expect(reg.status).toBe(201);
  const login = await call(t.url, 'POST', '/v1/auth/login', { body: { email: u.email, password: u.password } });
  return { id: reg.body.user.id as string, token: login.body.accessToken as string };
}

async function metric(t: TestTarget, name: string): Promise<string> {
  const text = (await call(t.url, 'GET', '/metrics')).body as string;
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .join('\n');
}

describe('with Redis stopped', () => {
  it('reads still answer from PostgreSQL, the rate limiter falls back to a local limiter, and writes that need Redis are 503 + Retry-After', async () => {
    await using t = await startTestTarget({ env: { RATE_LIMIT_PER_MINUTE: '8' } });
    const a = await signUp(t, 'ra');
    const b = await signUp(t, 'rb');
    await t.redis.stop();

    const me = await call(t.url, 'GET', '/v1/users/me', { token: a.token });
    expect(me.status).toBe(200);
    expect(me.headers.get('ratelimit')).toMatch(/^"user";r=\d+;t=\d+$/);
    const profile = await call(t.url, 'GET', `/v1/users/${b.id}`, { token: a.token });
    expect(profile.status).toBe(200);
    expect(profile.body.id).toBe(b.id);

    const follow = await call(t.url, 'POST', `/v1/users/${b.id}/follow`, { token: a.token });
    expect(follow.status).toBe(503);
    expect(Number(follow.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(follow.body.code).toBe('REDIS_UNAVAILABLE');
    expect((await call(t.url, 'GET', `/v1/users/${b.id}`)).body.followers).toBe(0);
    // Logout cannot deny-list the token without Redis: 503, and nothing was half-done.
    const logout = await call(t.url, 'POST', '/v1/auth/logout', { token: b.token });
    expect(logout.status).toBe(503);
    expect(Number(logout.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(t.url, 'GET', '/v1/users/me', { token: b.token })).status).toBe(200);

    // The local limiter still limits (it did not fail open): 8 per minute, one worker.
    let limited = 0;
    for (let i = 0; i < 10; i++)
      if ((await call(t.url, 'GET', '/v1/users/me', { token: a.token })).status === 429) limited++;
    expect(limited).toBeGreaterThan(0);
    expect(await metric(t, 'rate_limit_local_fallback_total')).toMatch(
      /rate_limit_local_fallback_total\{reason="redis-unavailable"\} [1-9]/,
    );
  });

  it('with REDIS_FALLBACK=off the same reads fail fast with 503 instead', async () => {
    await using t = await startTestTarget({ env: { REDIS_FALLBACK: 'off' } });
    const a = await signUp(t, 'off');
    await t.redis.stop();
    const started = Date.now();
    const me = await call(t.url, 'GET', '/v1/users/me', { token: a.token });
    expect(me.status).toBe(503);
    expect(me.headers.get('content-type')).toContain('application/problem+json');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await call(t.url, 'GET', `/v1/users/${a.id}`)).status).toBe(503);
  });
});

describe('with PostgreSQL stopped', () => {
  it('cached reads still answer, writes fail fast with 503 + Retry-After, never a 500, and the breaker opens', async () => {
    await using pg = await startPostgres();
    await using t = await startTestTarget({
      databaseUrl: pg.url,
      env: { RATE_LIMIT_PER_MINUTE: '10000', RATE_LIMIT_ANON_PER_MINUTE: '10000' },
    });
    const a = await signUp(t, 'pa');
    expect((await call(t.url, 'GET', `/v1/users/${a.id}`)).headers.get('x-cache')).toBe('miss');
    await pg.stopProcess();

    const cached = await call(t.url, 'GET', `/v1/users/${a.id}`);
    expect(cached.status).toBe(200);
    expect(cached.body.id).toBe(a.id);

    const statuses = new Set<number>();
    const started = Date.now();
    for (let i = 0; i < 12; i++) {
      const res = await call(t.url, 'PATCH', '/v1/users/me', { token: a.token, body: { bio: `try ${i}` } });
      statuses.add(res.status);
      if (res.status === 503) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect([...statuses]).toEqual([503]);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(
      (await call(t.url, 'POST', '/v1/auth/login', { body: { email: 'x@example.test', password: 'whatever1' } }))
        .status,
    ).toBe(503);
    expect(await metric(t, 'circuit_breaker_state{dependency="postgres"}')).toContain(' 2');
    const ready = await call(t.url, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.down).toEqual(['postgres']);

    await pg.restart();
    // The breaker half-opens after BREAKER_RESET_TIMEOUT (2 s) and closes on a success.
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await call(t.url, 'PATCH', '/v1/users/me', { token: a.token, body: { bio: 'back' } })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe(200);
  });
});
