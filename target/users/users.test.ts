import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, registerUser, sqlRows, startTestTarget } from '../testing.ts';
import type { TestTarget } from '../testing.ts';

let t: TestTarget;
const user = () => registerUser(t);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary columns
const sql = (text: string, values: unknown[] = []): Promise<any[]> => sqlRows(t, text, values);

beforeAll(async () => {
  t = await startTestTarget({ env: { RATE_LIMIT_PER_MINUTE: '10000' } });
});
afterAll(async () => {
  await t?.stop();
});

describe('/v1/users/me', () => {
  it('reads and patches the own profile; role, email and id in the body are ignored', async () => {
    const a = await user();
    const me = await call(t.url, 'GET', '/v1/users/me', { token: a.token });
    expect(me.body).toMatchObject({
      id: a.id,
      email: a.email,
      handle: a.handle,
      role: 'user',
      followers: 0,
      following: 0,
    });
    const patched = await call(t.url, 'PATCH', '/v1/users/me', {
      token: a.token,
      body: { bio: 'hello', displayName: 'A', role: 'admin', email: 'evil@example.test', id: 'x' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: a.id, bio: 'hello', displayName: 'A', role: 'user', email: a.email });
    expect((await sql('SELECT role, email FROM users WHERE id = $1', [a.id]))[0]).toEqual({
      role: 'user',
      email: a.email,
    });
  });

  it('is 401 without a token, 409 on a taken handle, 422 on a bad one', async () => {
    const [a, b] = [await user(), await user()];
    expect((await call(t.url, 'GET', '/v1/users/me')).status).toBe(401);
    expect((await call(t.url, 'PATCH', '/v1/users/me', { body: { bio: 'x' } })).status).toBe(401);
    expect(
      (await call(t.url, 'PATCH', '/v1/users/me', { token: a.token, body: { handle: b.handle.toUpperCase() } })).status,
    ).toBe(409);
    const bad = await call(t.url, 'PATCH', '/v1/users/me', { token: a.token, body: { handle: 'no spaces allowed' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('handle');
    const nul = await call(t.url, 'PATCH', '/v1/users/me', { token: a.token, body: { displayName: 'a\u0000b' } });
    expect(nul.status).toBe(422);
    expect(nul.body.errors[0].field).toBe('displayName');
  });
});

describe('/v1/users/{id}', () => {
  it('shows the public profile only: no email, no hash, no role', async () => {
    const [a, b] = [await user(), await user()];
    const res = await call(t.url, 'GET', `/v1/users/${a.id}`, { token: b.token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      'bio',
      'createdAt',
      'displayName',
      'followers',
      'following',
      'handle',
      'id',
    ]);
    expect(JSON.stringify(res.body)).not.toContain(a.email);
    expect((await call(t.url, 'GET', '/v1/users/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await call(t.url, 'GET', "/v1/users/1' OR '1'='1")).status).toBe(404);
  });
});

describe('follow', () => {
  it('follows idempotently, publishes one follow event to the events stream, and unfollows', async () => {
    const [a, b] = [await user(), await user()];
    const first = await call(t.url, 'POST', `/v1/users/${b.id}/follow`, { token: a.token });
    expect(first.status).toBe(201);
    expect((await call(t.url, 'POST', `/v1/users/${b.id}/follow`, { token: a.token })).status).toBe(200);
    expect((await call(t.url, 'GET', `/v1/users/${b.id}`)).body.followers).toBe(1);

    const redis = new Redis(t.redis.url);
    const entries = await redis.xrange('events', '-', '+');
    redis.disconnect();
    const events = entries.map(([, fields]) =>
      Object.fromEntries(
        fields.reduce<string[][]>((acc, v, i) => (i % 2 ? acc : [...acc, [v, fields[i + 1] as string]]), []),
      ),
    );
    const mine = events.filter((e) => e.actorId === a.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ type: 'follow.created', targetUserId: b.id });
    expect(mine[0]!.eventId).toMatch(/^[0-9a-f-]{36}$/);

    expect((await call(t.url, 'DELETE', `/v1/users/${b.id}/follow`, { token: a.token })).status).toBe(204);
    expect((await call(t.url, 'GET', `/v1/users/${b.id}`)).body.followers).toBe(0);
  });

  it('is 401 anonymous, 404 for an unknown user, 422 for oneself', async () => {
    const a = await user();
    expect((await call(t.url, 'POST', `/v1/users/${a.id}/follow`)).status).toBe(401);
    expect(
      (await call(t.url, 'POST', '/v1/users/00000000-0000-4000-8000-000000000000/follow', { token: a.token })).status,
    ).toBe(404);
    const self = await call(t.url, 'POST', `/v1/users/${a.id}/follow`, { token: a.token });
    expect(self.status).toBe(422);
    expect(self.body.errors[0].field).toBe('id');
  });
});
