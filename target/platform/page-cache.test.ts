import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRedis } from '../../test/services.ts';
import type { StartedRedis } from '../../stack/index.ts';
import { DependencyUnavailableError } from './http-errors.ts';
import { createLogger } from './logger.ts';
import { connectRedis, createRedis } from './redis.ts';
import type { RedisService } from './redis.ts';
import { testConfig } from '../testing.ts';
import { EPOCH_KEY, readThrough, readThroughJson } from './page-cache.ts';

let server: StartedRedis;
let redis: RedisService;
beforeAll(async () => {
  server = await useRedis();
  redis = createRedis(testConfig('postgres://unused@127.0.0.1:1/x', server.url), createLogger('silent'));
  await connectRedis(redis, 5000);
});
afterAll(async () => {
  await redis?.stop();
  await server?.stop();
});

describe('read-through cache', () => {
  const opts = (t: number) => ({ freshMs: 1000, staleMs: 60_000, now: () => t });
  const pgDown = () => Promise.reject(new DependencyUnavailableError('postgres', 5));

  it('serves a hit while fresh, reloads when not, and the stale copy when PostgreSQL is down', async () => {
    const key = { key: 'test:cache', field: 'a' };
    let loads = 0;
    const load = async () => ({ n: ++loads });
    expect(await readThrough(redis, key, opts(0), load)).toEqual({ data: { n: 1 }, source: 'miss' });
    await new Promise((r) => setTimeout(r, 50)); // the write-back is fire-and-forget
    expect(await readThrough(redis, key, opts(500), load)).toEqual({ data: { n: 1 }, source: 'hit' });
    expect(await readThrough(redis, key, opts(1500), pgDown)).toEqual({ data: { n: 1 }, source: 'stale' });
    expect(await readThrough(redis, key, opts(1500), load)).toEqual({ data: { n: 2 }, source: 'miss' });
  });

  it('within the stale-while-revalidate window, answers the old copy at once and refreshes it in the background', async () => {
    const key = { key: 'test:swr', field: 'a' };
    const swr = (t: number) => ({ ...opts(t), staleWhileRevalidateMs: 5000 });
    let loads = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    expect(await readThrough(redis, key, swr(0), async () => ({ n: ++loads }))).toEqual({
      data: { n: 1 },
      source: 'miss',
    });
    await new Promise((r) => setTimeout(r, 50));
    // Not fresh any more (1500 > 1000) but inside the window: the old copy comes back without waiting for the slow load.
    const slowLoad = async () => {
      await gate;
      return { n: ++loads };
    };
    expect(await readThrough(redis, key, swr(1500), slowLoad)).toEqual({ data: { n: 1 }, source: 'stale' });
    release();
    await new Promise((r) => setTimeout(r, 100));
    expect(await readThrough(redis, key, swr(1600), slowLoad)).toEqual({ data: { n: 2 }, source: 'hit' });
    // Past the window the reader waits for the database again.
    expect(await readThrough(redis, key, swr(20_000), async () => ({ n: ++loads }))).toEqual({
      data: { n: 3 },
      source: 'miss',
    });
  });

  it('never answers a stale copy from before an epoch bump, nor one older than staleMs, through an outage', async () => {
    const key = { key: 'test:epoch', field: 'a' };
    expect(await readThrough(redis, key, opts(0), async () => ({ n: 1 }))).toEqual({ data: { n: 1 }, source: 'miss' });
    await new Promise((r) => setTimeout(r, 50)); // the write-back is fire-and-forget
    expect(await readThrough(redis, key, opts(1500), pgDown)).toEqual({ data: { n: 1 }, source: 'stale' });
    // Older than staleMs (60 s): the outage is the 503, not a page that old.
    await expect(readThrough(redis, key, opts(61_000), pgDown)).rejects.toBeInstanceOf(DependencyUnavailableError);
    // A post edited, made private or deleted since: the copy may show it as it was, so not even stale.
    await redis.run((c) => c.incr(EPOCH_KEY));
    await expect(readThrough(redis, key, opts(1500), pgDown)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('without a cached copy, a PostgreSQL outage is the 503 error, not an empty answer', async () => {
    await expect(readThrough(redis, { key: 'test:cache', field: 'never' }, opts(0), pgDown)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
  });

  it('shares one load between concurrent misses of a key', async () => {
    let loads = 0;
    const slow = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 100));
      return 'v';
    };
    const all = await Promise.all(
      Array.from({ length: 10 }, () => readThrough(redis, { key: 'test:herd', field: 'x' }, opts(0), slow)),
    );
    expect(all.every((r) => r.data === 'v')).toBe(true);
    expect(loads).toBe(1);
  });

  it('answers a hit with the stored JSON text, serialised once when the page was built', async () => {
    const key = { key: 'test:bytes', field: 'p' };
    const miss = await readThroughJson(redis, key, opts(0), async () => ({ items: [{ id: 1 }], nextCursor: null }));
    expect(miss).toMatchObject({ source: 'miss', json: '{"items":[{"id":1}],"nextCursor":null}' });
    await new Promise((r) => setTimeout(r, 50));
    const hit = await readThroughJson(redis, key, opts(500), async () => ({ never: true }));
    expect(hit.source).toBe('hit');
    expect(hit.json).toBe(miss.json);
    expect(await redis.client.hget('test:bytes', 'p')).toBe(`0 ${hit.entry.epoch}\n${miss.json}`);
  });

  it('with memo, takes the bytes from memory while Redis still holds the same version, and fetches them again once it does not', async () => {
    const key = { key: 'test:memo', field: 'top' };
    const memo = (t: number) => ({ ...opts(t), memo: true });
    await readThroughJson(redis, key, memo(0), async () => ['a']);
    await new Promise((r) => setTimeout(r, 50));
    // The payload in Redis is overwritten behind the version's back: a memo reader does not even fetch it.
    await redis.client.hset('test:memo', 'top', 'garbage');
    expect(await readThroughJson(redis, key, memo(100), async () => ['never'])).toMatchObject({
      source: 'hit',
      json: '["a"]',
    });
    // Another process rebuilt it (new version): the new bytes are fetched.
    const epoch = (await redis.client.get(EPOCH_KEY)) ?? '0';
    await redis.client.hset('test:memo', 'top', `200 ${epoch}\n["b"]`, 'top@', `200 ${epoch}`);
    expect(await readThroughJson(redis, key, memo(300), async () => ['never'])).toMatchObject({
      source: 'hit',
      json: '["b"]',
    });
    // A new epoch (a post edited or made private) is never answered from memory as fresh.
    await redis.client.incr(EPOCH_KEY);
    expect(await readThroughJson(redis, key, memo(400), async () => ['c'])).toMatchObject({
      source: 'miss',
      json: '["c"]',
    });
  });
});
