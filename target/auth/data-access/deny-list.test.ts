import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedRedis } from '../../../stack/index.ts';
import { useDatabase, useRedis } from '../../../test/services.ts';
import { createLogger } from '../../platform/logger.ts';
import { connectRedis, createRedis } from '../../platform/redis.ts';
import type { RedisService } from '../../platform/redis.ts';
import { eventually } from '../../feature-testing.ts';
import { call, redisCommandCalls, registerUser, startTestTarget, testConfig } from '../../testing.ts';
import { createDenyList, DENIED_SET, DENY_CHANNEL } from './deny-list.ts';
import type { DenyList } from './deny-list.ts';

let server: StartedRedis;
let admin: Redis;
const services: RedisService[] = [];
const lists: DenyList[] = [];

async function worker(
  opts?: { pingEveryMs?: number; staleAfterMs?: number; sweepEveryMs?: number },
  on: { url: string; env?: Record<string, string> } = server,
): Promise<DenyList> {
  const redis = createRedis(testConfig('postgres://unused@127.0.0.1:1/x', on.url, on.env), createLogger('silent'));
  await connectRedis(redis, 5000);
  services.push(redis);
  const list = createDenyList(redis, opts);
  lists.push(list);
  return list;
}

/** Polls a condition of the mirror (bounded). */
const until = (cond: () => boolean, timeoutMs = 10_000) => eventually(async () => cond(), timeoutMs, 20);

/** How many EXISTS this Redis has run: the deny-list's question when it cannot answer from its mirror. */
const existsCalls = (url = server.url) => redisCommandCalls(url, 'exists');

const exp = () => Math.floor(Date.now() / 1000) + 600;

/** A revocation whose message no mirror heard (made while they were away): in Redis, not published. */
async function revokeUnannounced(jti: string, expSec = exp()): Promise<void> {
  await admin.multi().set(`auth:deny:${jti}`, '1', 'EX', 600).zadd(DENIED_SET, expSec, jti).exec();
}

beforeAll(async () => {
  server = await useRedis();
  admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  for (const l of lists) l.stop();
  for (const s of services) await s.stop();
  admin?.disconnect();
  await server?.stop();
});

describe('deny-list mirror', () => {
  it('answers from memory once subscribed and loaded: a revocation made elsewhere, before or after it started, is seen with no EXISTS sent', async () => {
    // Revoked before this worker existed: found by the load, not by a message.
    await revokeUnannounced('before');
    const a = await worker();
    const b = await worker();
    await until(() => a.mirrored() && b.mirrored());
    const asked = await existsCalls();

    await a.add('after', exp());
    expect(await b.has('after')).toBe(true); // at once: no wait between a's add and b's check
    expect(await b.has('before')).toBe(true);
    expect(await b.has('never')).toBe(false);
    expect(await a.has('after')).toBe(true);
    expect(await existsCalls()).toBe(asked);

    // The mirror is what answers: a revocation nobody published is not seen while it is in sync.
    await revokeUnannounced('unannounced');
    expect(await b.has('unannounced')).toBe(false);
  });

  it('a revocation is kept in Redis with its expiry, and expired ids are trimmed by the next one', async () => {
    const a = await worker();
    const now = Math.floor(Date.now() / 1000);
    await admin.zadd(DENIED_SET, now - 5, 'long-gone');
    await a.add('kept', now + 900);
    expect(Number(await admin.zscore(DENIED_SET, 'kept'))).toBe(now + 900);
    expect(await admin.zscore(DENIED_SET, 'long-gone')).toBeNull();
    expect(await admin.ttl('auth:deny:kept')).toBeGreaterThan(890);
  });

  it('loads ids with their expiries: a loaded revocation outlives the sweeps, an expired one is not loaded', async () => {
    const now = Math.floor(Date.now() / 1000);
    await revokeUnannounced('loaded-long', now + 600);
    await admin.zadd(DENIED_SET, now - 1, 'loaded-expired'); // trimmed by the next add; not loaded meanwhile
    const b = await worker({ sweepEveryMs: 50 });
    await until(() => b.mirrored());
    await new Promise((r) => setTimeout(r, 400)); // several sweeps
    const asked = await existsCalls();
    expect(await b.has('loaded-long')).toBe(true);
    expect(await b.has('loaded-expired')).toBe(false);
    expect(await existsCalls()).toBe(asked);
  });

  it('a lost subscription: not trusted until it has subscribed and loaded again, and then it knows what it missed', async () => {
    const b = await worker({ pingEveryMs: 100 });
    await until(() => b.mirrored());
    await revokeUnannounced('missed'); // its message was lost: the mirror does not know it yet
    expect(await b.has('missed')).toBe(false);
    await admin.client('KILL', 'TYPE', 'pubsub');
    await until(() => !b.mirrored(), 5000);
    await until(() => b.mirrored());
    const asked = await existsCalls();
    expect(await b.has('missed')).toBe(true);
    expect(await b.has('never')).toBe(false);
    expect(await existsCalls()).toBe(asked);
  });

  it('a subscription lost while it loads: that load is not trusted, and a revocation published before it subscribes again is still refused', async () => {
    // A Redis of its own: until `a` below, b's is the only mirror on it, so its connection can be watched.
    await using own = await useRedis();
    const watch = new Redis(own.url, { maxRetriesPerRequest: 1 });
    const marks = { lists: lists.length, services: services.length };
    try {
      const subscribers = async () => (await watch.pubsub('NUMSUB', DENY_CHANNEL))[1];
      /** The mirrors' subscription connections, as CLIENT LIST fields. */
      const mirrorConnections = async () =>
        ((await watch.client('LIST')) as string)
          .split('\n')
          .filter((l) => l.includes('name=socialconnect-deny-list'))
          .map((l) => Object.fromEntries(l.split(' ').map((f) => f.split('=', 2) as [string, string])));
      const loads = () => redisCommandCalls(own.url, 'zrangebyscore');
      // Never pinged in this test, trusted long: what decides is the load; each resync below is a reconnection's.
      // Its commands wait up to 10 s (the hold below) instead of timing out.
      const b = await worker(
        { pingEveryMs: 60_000, staleAfterMs: 60_000 },
        { url: own.url, env: { REDIS_COMMAND_TIMEOUT: '10s' } },
      );
      const bRedis = services.at(-1) as RedisService;
      await until(() => b.mirrored());
      const loaded = await loads();

      // Hold b's command connection (Redis answers one connection's commands in order): its next load waits behind it.
      const hold = bRedis.client.blpop('deny-list-test:hold', 8);
      await watch.client('KILL', 'TYPE', 'pubsub'); // b subscribes again, then loads: queued behind the hold
      await eventually(async () => (await subscribers()) === 1, 5000, 20);
      await watch.client('KILL', 'TYPE', 'pubsub'); // lost again while that load waits
      // Reconnected, and its ready check answered (ioredis sends INFO last): the 'ready' it raised found a sync
      // under way, so this connection stays unsubscribed.
      await eventually(
        async () => {
          const conns = await mirrorConnections();
          return (await subscribers()) === 0 && conns.length === 1 && conns[0]?.cmd === 'info';
        },
        5000,
        20,
      );
      await watch.lpush('deny-list-test:hold', 'go');
      expect(await hold).toEqual(['deny-list-test:hold', 'go']);
      await eventually(async () => (await loads()) === loaded + 1, 5000, 20); // the load finished

      // Its connection closed while it loaded: not trusted (the new connection is not subscribed: it would miss this).
      expect(b.mirrored()).toBe(false);
      const bSub = (await mirrorConnections())[0]?.id as string;
      const a = await worker(undefined, own);
      await a.add('in-the-gap', exp());
      expect(await b.has('in-the-gap')).toBe(true);

      // Reconnected once more, b subscribes and loads: then its mirror answers, knows what it missed, and hears
      // what is published next.
      await watch.client('KILL', 'ID', bSub);
      await until(() => b.mirrored(), 10_000);
      const asked = await existsCalls(own.url);
      expect(await b.has('in-the-gap')).toBe(true);
      await a.add('after', exp());
      expect(await b.has('after')).toBe(true);
      expect(await existsCalls(own.url)).toBe(asked);
    } finally {
      await watch.lpush('deny-list-test:hold', 'go').catch(() => {}); // a failed run leaves no command waiting
      for (const l of lists.splice(marks.lists)) l.stop();
      for (const s of services.splice(marks.services)) await s.stop();
      watch.disconnect();
    }
  });

  it('a silent subscription (Redis frozen) is not trusted past staleAfterMs: has() says unknown rather than guess', async () => {
    const b = await worker({ pingEveryMs: 100, staleAfterMs: 400 });
    await until(() => b.mirrored());
    await server.pause();
    try {
      await until(() => !b.mirrored(), 5000);
      expect(await b.has('anything')).toBe('unknown');
    } finally {
      await server.resume();
    }
    await until(() => b.mirrored());
    expect(await b.has('anything')).toBe(false);
  });
});

describe('logout across instances', () => {
  it('a token logged out on one instance is refused by another at once, answered from its mirror', async () => {
    await using db = await useDatabase();
    const env = { RATE_LIMIT_PER_MINUTE: '10000' };
    await using a = await startTestTarget({ env, redis: server, databaseUrl: db.url });
    await using b = await startTestTarget({ env, redis: server, databaseUrl: db.url });
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) tokens.push((await registerUser(a)).token);
    for (const token of tokens) expect((await call(b.url, 'GET', '/v1/users/me', { token })).status).toBe(200);
    const asked = await existsCalls();
    for (const token of tokens) {
      expect((await call(a.url, 'POST', '/v1/auth/logout', { token })).status).toBe(204);
      const after = await call(b.url, 'GET', '/v1/users/me', { token });
      expect(after.status).toBe(401);
      expect(after.body.code).toBe('TOKEN_REVOKED');
    }
    expect(await existsCalls()).toBe(asked);
  });
});
