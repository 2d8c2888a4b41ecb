import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_STREAM, publishEvent } from '../platform/events.ts';
import { call, eventually, startFeatureHarness } from '../feature-testing.ts';
import type { FeatureHarness, TestUser } from '../feature-testing.ts';
import { forgetDeadConsumers } from './background.ts';
import { ensureGroup, startNotificationConsumer } from './consumer.ts';

let h: FeatureHarness;
let alice: TestUser;
let bob: TestUser;
let redis: Redis;

beforeAll(async () => {
  h = await startFeatureHarness();
  [alice, bob] = [await h.user(), await h.user()];
  await h.follow(alice, bob);
  redis = new Redis(h.target.redis.url, { lazyConnect: false });
});
afterAll(async () => {
  redis?.disconnect();
  await h?.stop();
});

const notificationsOf = async (u: TestUser) =>
  (await call(h.target.url, 'GET', '/v1/notifications?limit=100', { token: u.token })).body.items as {
    type: string;
    eventId: string;
    actorId: string;
    postId: string | null;
  }[];

describe('notifications through the Redis stream', () => {
  it('notifies followers of a post, and the author of a like and a comment', async () => {
    const post = (await call(h.target.url, 'POST', '/v1/posts', { token: bob.token, body: { body: 'news' } })).body;
    await call(h.target.url, 'POST', `/v1/posts/${post.id}/like`, { token: alice.token });
    await call(h.target.url, 'POST', `/v1/posts/${post.id}/comments`, { token: alice.token, body: { body: 'nice' } });
    const forAlice = await eventually(async () =>
      (await notificationsOf(alice)).find((n) => n.type === 'post.created' && n.postId === post.id),
    );
    expect(forAlice.actorId).toBe(bob.id);
    const forBob = await eventually(async () => {
      const list = await notificationsOf(bob);
      return list.some((n) => n.type === 'like.created') && list.some((n) => n.type === 'comment.created')
        ? list
        : undefined;
    });
    expect(forBob.every((n) => n.actorId === alice.id && n.postId === post.id)).toBe(true);
    expect((await call(h.target.url, 'GET', '/v1/notifications')).status).toBe(401);
    expect((await call(h.target.url, 'GET', '/v1/notifications?limit=0', { token: bob.token })).status).toBe(422);
  });

  it('writes one notification when an event is delivered twice (deduplicated by event id)', async () => {
    const eventId = randomUUID();
    const deps = h.target.server.runtime.deps;
    await publishEvent(deps.redis, { type: 'follow.created', actorId: alice.id, targetUserId: bob.id, eventId });
    await publishEvent(deps.redis, { type: 'follow.created', actorId: alice.id, targetUserId: bob.id, eventId });
    await eventually(async () => (await notificationsOf(bob)).find((n) => n.eventId === eventId));
    // Both entries acknowledged by the group, then still exactly one row.
    await eventually(async () => Number((await redis.xpending(EVENTS_STREAM, 'notifications'))[0]) === 0);
    const rows = await h.pool.query('SELECT count(*)::int AS n FROM notifications WHERE event_id = $1', [eventId]);
    expect(rows.rows[0].n).toBe(1);
  });

  it('a dead consumer’s pending entries are claimed and processed by a live one (XAUTOCLAIM)', async () => {
    const group = `claim-${randomUUID().slice(0, 8)}`;
    await ensureGroup(redis, group);
    const eventId = randomUUID();
    await publishEvent(h.target.server.runtime.deps.redis, {
      type: 'follow.created',
      actorId: bob.id,
      targetUserId: alice.id,
      eventId,
    });
    // The "crashed" consumer reads the entry and dies without acknowledging it.
    const read = (await redis.xreadgroup(
      'GROUP',
      group,
      'crashed-worker',
      'COUNT',
      10,
      'STREAMS',
      EVENTS_STREAM,
      '>',
    )) as [string, [string, string[]][]][];
    const entryIds = read[0]?.[1].map((e) => e[0]) ?? [];
    expect(entryIds.length).toBeGreaterThan(0);
    expect(Number((await redis.xpending(EVENTS_STREAM, group))[0])).toBe(entryIds.length);
    const live = startNotificationConsumer(h.target.server.runtime.deps, {
      group,
      consumer: 'live-worker',
      claimIdleMs: 300,
      claimEveryMs: 200,
      blockMs: 200,
    });
    try {
      await eventually(async () => live.stats().claimed >= entryIds.length, 10_000);
      await eventually(async () => Number((await redis.xpending(EVENTS_STREAM, group))[0]) === 0, 10_000);
      await eventually(async () => (await notificationsOf(alice)).find((n) => n.eventId === eventId));
    } finally {
      await live.stop();
    }
  });

  it('forgets consumers that are idle with nothing pending, and keeps live ones', async () => {
    await redis.xgroup('CREATECONSUMER', EVENTS_STREAM, 'notifications', 'long-gone-worker');
    await new Promise((r) => setTimeout(r, 30));
    const removed = await forgetDeadConsumers(h.target.server.runtime.deps, 10);
    expect(removed).toBeGreaterThanOrEqual(1);
    const names = ((await redis.xinfo('CONSUMERS', EVENTS_STREAM, 'notifications')) as unknown[][]).map((c) =>
      String(c[1]),
    );
    expect(names).not.toContain('long-gone-worker');
  });

  it('puts the password-reset mail into the outbox', async () => {
    const eventId = randomUUID();
    await redis.xadd(
      EVENTS_STREAM,
      '*',
      'eventId',
      eventId,
      'type',
      'password-reset.requested',
      'actorId',
      alice.id,
      'targetUserId',
      alice.id,
      'token',
      'reset-token-123',
    );
    const row = await eventually(
      async () =>
        (
          await h.pool.query(
            "SELECT recipient, payload FROM outbox WHERE topic = 'mail.password-reset' AND payload->>'eventId' = $1",
            [eventId],
          )
        ).rows[0],
    );
    expect(row.recipient).toMatch(/@example\.test$/);
    expect(row.payload.text).toContain('reset-token-123');
  });

  it('publishes events left in the relay table once Redis answers', async () => {
    const eventId = randomUUID();
    const payload = { type: 'like.created', actorId: alice.id, targetUserId: bob.id, eventId };
    await h.pool.query(
      "INSERT INTO event_relay (event_id, payload, created_at) VALUES ($1, $2, now() - interval '1 minute')",
      [eventId, JSON.stringify(payload)],
    );
    await eventually(async () => (await notificationsOf(bob)).find((n) => n.eventId === eventId));
    expect(
      (await h.pool.query('SELECT count(*)::int AS n FROM event_relay WHERE event_id = $1', [eventId])).rows[0].n,
    ).toBe(0);
  });
});
