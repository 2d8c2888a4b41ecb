import type { RedisService } from '../platform/redis.ts';
import { DependencyUnavailableError } from '../platform/http-errors.ts';

/**
 * Read-through cache with a stale copy: entries live in Redis for `staleMs`
 * but are served as fresh only for `freshMs`. Redis down → straight to
 * PostgreSQL (slower, still correct). PostgreSQL down → the stale copy if one
 * exists. Concurrent misses for one key in one process share a single load
 * (no stampede on expiry). With `staleWhileRevalidateMs`, an entry that is no
 * longer fresh but younger than freshMs + that window is answered at once
 * (`stale`) while one background load refreshes it: a slow database then costs
 * readers nothing as long as their page was cached recently.
 * Every entry records the content epoch (`cache:epoch`)
 * it was built under; editing or deleting a post bumps the epoch, so
 * no cached page shows it again as fresh (read in the same round trip).
 */
export const EPOCH_KEY = 'cache:epoch';
export type CacheSource = 'hit' | 'miss' | 'stale' | 'bypass';

export interface CacheKey {
  key: string;
  /** Hash field (one hash per user lets one DEL invalidate all their pages). */
  field: string;
}

interface Entry<T> {
  at: number;
  epoch?: string;
  data: T;
}

const inflight = new Map<string, Promise<unknown>>();

export async function readThrough<T>(
  redis: RedisService,
  k: CacheKey,
  opts: { freshMs: number; staleMs: number; staleWhileRevalidateMs?: number; now?: () => number },
  load: () => Promise<T>,
): Promise<{ data: T; source: CacheSource }> {
  const now = opts.now ?? Date.now;
  const read = await redis.tryRun(async (c) => {
    const res = await c.pipeline().hget(k.key, k.field).get(EPOCH_KEY).exec();
    const [hit, epoch] = res ?? [];
    return { raw: hit && !hit[0] ? (hit[1] as string | null) : null, epoch: epoch && !epoch[0] ? ((epoch[1] as string | null) ?? '0') : '?' };
  }, undefined);
  const raw = read?.raw;
  let entry: Entry<T> | undefined;
  if (typeof raw === 'string') {
    try {
      entry = JSON.parse(raw) as Entry<T>;
    } catch {
      entry = undefined;
    }
  }
  const sameEpoch = entry !== undefined && entry.epoch === read?.epoch;
  const age = entry ? now() - entry.at : Infinity;
  if (entry && sameEpoch && age < opts.freshMs) return { data: entry.data, source: 'hit' };

  const id = `${k.key}\u0000${k.field}`;
  let loading = inflight.get(id) as Promise<T> | undefined;
  if (!loading) {
    loading = load().then((data) => {
      if (read !== undefined) {
        const value = JSON.stringify({ at: now(), epoch: read.epoch, data } satisfies Entry<T>);
        void redis.tryRun((c) => c.multi().hset(k.key, k.field, value).pexpire(k.key, opts.staleMs).exec(), undefined).catch(() => {});
      }
      return data;
    }).finally(() => inflight.delete(id));
    inflight.set(id, loading);
  }
  if (entry && sameEpoch && age < opts.freshMs + (opts.staleWhileRevalidateMs ?? 0)) {
    loading.catch(() => {}); // the refresh is best effort; the next reader tries again
    return { data: entry.data, source: 'stale' };
  }
  try {
    const data = await loading;
    return { data, source: read !== undefined ? 'miss' : 'bypass' };
  } catch (err) {
    if (entry && err instanceof DependencyUnavailableError && err.dependency === 'postgres') return { data: entry.data, source: 'stale' };
    throw err;
  }
}

export async function invalidate(redis: RedisService, key: string): Promise<void> {
  await redis.tryRun((c) => c.del(key), undefined);
}

/** Marks every cached page as outdated (a post was edited, made private or deleted). */
export async function bumpCacheEpoch(redis: RedisService): Promise<void> {
  await redis.tryRun((c) => c.incr(EPOCH_KEY), undefined);
}
