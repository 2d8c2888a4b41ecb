import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '../../stack/index.ts';
import type { StartedPostgres } from '../../stack/index.ts';
import { call, eventually, startFeatureHarness } from '../feature-testing.ts';
import type { FeatureHarness, TestUser } from '../feature-testing.ts';

describe('feed and trending, with Redis up and with Redis stopped', () => {
  let h: FeatureHarness;
  let reader: TestUser;
  let author: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    h = await startFeatureHarness();
    [reader, author, other] = [await h.user(), await h.user(), await h.user()];
    await h.follow(reader, author);
  });
  afterAll(async () => h?.stop());

  it('serves the feed of followed users newest first from PostgreSQL, then from the Redis cache', async () => {
    const mine = [];
    for (const body of ['a1', 'a2', 'a3'])
      mine.push((await call(h.target.url, 'POST', '/v1/posts', { token: author.token, body: { body } })).body.id);
    await call(h.target.url, 'POST', '/v1/posts', { token: other.token, body: { body: 'not followed' } });
    await call(h.target.url, 'POST', '/v1/posts', {
      token: author.token,
      body: { body: 'private', visibility: 'private' },
    });
    const first = await call(h.target.url, 'GET', '/v1/feed?limit=2', { token: reader.token });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(first.body.items.map((p: { id: string }) => p.id)).toEqual([mine[2], mine[1]]);
    const second = await call(h.target.url, 'GET', '/v1/feed?limit=2', { token: reader.token });
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(second.body).toEqual(first.body);
    const next = await call(h.target.url, 'GET', `/v1/feed?limit=2&cursor=${first.body.nextCursor}`, {
      token: reader.token,
    });
    expect(next.body).toEqual({ items: [expect.objectContaining({ id: mine[0] })], nextCursor: null });
    // Making a cached post private takes it out of every cached page at once.
    await call(h.target.url, 'PATCH', `/v1/posts/${mine[2]}`, { token: author.token, body: { visibility: 'private' } });
    const hidden = await call(h.target.url, 'GET', '/v1/feed?limit=2', { token: reader.token });
    expect(hidden.headers.get('x-cache')).toBe('miss');
    expect(hidden.body.items.map((p: { id: string }) => p.id)).toEqual([mine[1], mine[0]]);
    await call(h.target.url, 'PATCH', `/v1/posts/${mine[2]}`, { token: author.token, body: { visibility: 'public' } });
    expect((await call(h.target.url, 'GET', '/v1/feed?limit=500', { token: reader.token })).status).toBe(422);
    expect((await call(h.target.url, 'GET', '/v1/feed')).status).toBe(401);
  });

  it('ranks trending posts by recent likes', async () => {
    const a = (await call(h.target.url, 'POST', '/v1/posts', { token: other.token, body: { body: 'hot' } })).body;
    const b = (await call(h.target.url, 'POST', '/v1/posts', { token: other.token, body: { body: 'warm' } })).body;
    for (const u of [reader, author, other])
      await call(h.target.url, 'POST', `/v1/posts/${a.id}/like`, { token: u.token });
    await call(h.target.url, 'POST', `/v1/posts/${b.id}/like`, { token: reader.token });
    const t = await call(h.target.url, 'GET', '/v1/trending?limit=1', { token: reader.token });
    expect(t.status).toBe(200);
    expect(t.body.items[0]).toMatchObject({ id: a.id, recentLikes: 3 });
    const t2 = await call(h.target.url, 'GET', `/v1/trending?limit=1&cursor=${t.body.nextCursor}`, {
      token: reader.token,
    });
    expect(t2.body.items[0]).toMatchObject({ id: b.id, recentLikes: 1 });
    expect(t2.headers.get('x-cache')).toBe('hit');
  });

  it('with Redis stopped, reads come from PostgreSQL and writes still succeed; their events are delivered once Redis is back', async () => {
    const cached = await call(h.target.url, 'GET', '/v1/feed?limit=2', { token: reader.token });
    await h.target.redis.stop();
    const feed = await call(h.target.url, 'GET', '/v1/feed?limit=2', { token: reader.token });
    expect(feed.status).toBe(200);
    expect(feed.headers.get('x-cache')).toBe('bypass');
    expect(feed.body.items).toEqual(cached.body.items);
    const trending = await call(h.target.url, 'GET', '/v1/trending', { token: reader.token });
    expect(trending.status).toBe(200);
    expect(trending.body.items.length).toBeGreaterThan(0);
    const post = await call(h.target.url, 'POST', '/v1/posts', {
      token: author.token,
      body: { body: 'written while Redis is down' },
    });
    expect(post.status).toBe(201);
    expect((await call(h.target.url, 'GET', `/v1/posts/${post.body.id}`, { token: reader.token })).status).toBe(200);
    // Its event waits in the relay table for Redis to come back.
    const waiting = await h.pool.query("SELECT count(*)::int AS n FROM event_relay WHERE payload->>'postId' = $1", [
      post.body.id,
    ]);
    expect(waiting.rows[0].n).toBe(1);
    // Redis comes back (empty: no persistence): the relay publishes the event, the consumer recreates
    // its group, and the follower is notified of the post written during the outage.
    await h.target.redis.restart();
    await eventually(async () => {
      const n = await call(h.target.url, 'GET', '/v1/notifications', { token: reader.token });
      return n.status === 200 && n.body.items.some((x: { postId: string }) => x.postId === post.body.id);
    }, 20_000);
    expect(
      (await h.pool.query("SELECT count(*)::int AS n FROM event_relay WHERE payload->>'postId' = $1", [post.body.id]))
        .rows[0].n,
    ).toBe(0);
  }, 60_000);
});

describe('with PostgreSQL stopped', () => {
  let pgServer: StartedPostgres;
  let h: FeatureHarness;

  beforeAll(async () => {
    pgServer = await startPostgres();
    h = await startFeatureHarness({
      databaseUrl: pgServer.url,
      env: { PG_CONNECT_TIMEOUT: '500ms', PG_STATEMENT_TIMEOUT: '1s' },
    });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
    await pgServer?.stop();
  });

  it('answers cached feed and trending reads and fails writes fast with 503 + Retry-After', async () => {
    const [reader, author] = [await h.user(), await h.user()];
    await h.follow(reader, author);
    await call(h.target.url, 'POST', '/v1/posts', { token: author.token, body: { body: 'before the outage' } });
    const warm = await call(h.target.url, 'GET', '/v1/feed', { token: reader.token });
    await call(h.target.url, 'GET', '/v1/trending', { token: reader.token });
    await h.pool.end();
    await pgServer.stop();
    const feed = await call(h.target.url, 'GET', '/v1/feed', { token: reader.token });
    expect(feed.status).toBe(200);
    expect(feed.body).toEqual(warm.body);
    expect((await call(h.target.url, 'GET', '/v1/trending', { token: reader.token })).status).toBe(200);
    const started = Date.now();
    const write = await call(h.target.url, 'POST', '/v1/posts', {
      token: author.token,
      body: { body: 'during the outage' },
    });
    expect(write.status).toBe(503);
    expect(write.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(write.headers.get('content-type')).toContain('application/problem+json');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 60_000);
});
