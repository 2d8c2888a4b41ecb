import type { RedisService } from '../platform/redis.ts';
import { DependencyUnavailableError } from '../platform/http-errors.ts';

/**
 * Read-through cache with a stale copy: entries live in Redis for `staleMs`
 * but are served as fresh only for `freshMs`. Redis down → straight to
 * PostgreSQL (slower, still correct). PostgreSQL down → the stale copy if one
 * exists. Concurrent misses for one key in one process share a single load
 * (no stampede on expiry).
 */
export type CacheSource = 'hit' | 'miss' | 'stale' | 'bypass';

export interface CacheKey {
  key: string;
  /** Hash field (one hash per user lets one DEL invalidate all their pages). */
  field: string;
}

interface Entry<T> {
  at: number;
  data: T;
}

const inflight = new Map<string, Promise<unknown>>();

export async function readThrough<T>(
  redis: RedisService,
  k: CacheKey,
  opts: { freshMs: number; staleMs: number; now?: () => number },
  load: () => Promise<T>,
): Promise<{ data: T; source: CacheSource }> {
  const now = opts.now ?? Date.now;
  const raw = await redis.tryRun((c) => c.hget(k.key, k.field), undefined);
  let entry: Entry<T> | undefined;
  if (typeof raw === 'string') {
    try {
      entry = JSON.parse(raw) as Entry<T>;
    } catch {
      entry = undefined;
    }
  }
  if (entry && now() - entry.at < opts.freshMs) return { data: entry.data, source: 'hit' };

  const id = `${k.key}\u0000${k.field}`;
  let loading = inflight.get(id) as Promise<T> | undefined;
  if (!loading) {
    loading = load().finally(() => inflight.delete(id));
    inflight.set(id, loading);
  }
  try {
    const data = await loading;
    const redisUp = raw !== undefined;
    if (redisUp) {
      const value = JSON.stringify({ at: now(), data } satisfies Entry<T>);
      void redis.tryRun((c) => c.multi().hset(k.key, k.field, value).pexpire(k.key, opts.staleMs).exec(), undefined).catch(() => {});
    }
    return { data, source: redisUp ? 'miss' : 'bypass' };
  } catch (err) {
    if (entry && err instanceof DependencyUnavailableError && err.dependency === 'postgres') return { data: entry.data, source: 'stale' };
    throw err;
  }
}

export async function invalidate(redis: RedisService, key: string): Promise<void> {
  await redis.tryRun((c) => c.del(key), undefined);
}
