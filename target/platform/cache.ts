import { DependencyUnavailableError } from './http-errors.ts';
import type { Metrics } from './metrics.ts';
import type { RedisService } from './redis.ts';

/**
 * Read-through cache in Redis with stale-if-error:
 * - a fresh entry (younger than freshMs) answers without touching PostgreSQL;
 * - otherwise the loader runs and refreshes the entry (kept ttlSeconds);
 * - when PostgreSQL is unavailable, any entry still in Redis answers (stale),
 *   counted in degraded_operations_total; no entry → the 503 stands.
 * Redis down: straight to the loader (REDIS_FALLBACK on), or the Redis error
 * surfaces (off).
 */
export interface CacheOptions {
  redis: RedisService;
  metrics: Metrics;
  fallback: boolean;
}

export interface CachedValue<T> {
  value: T;
  source: 'cache' | 'database' | 'stale-cache';
}

interface Entry<T> {
  at: number;
  value: T;
}

export function createReadCache(opts: CacheOptions) {
  const get = async <T>(key: string): Promise<Entry<T> | null> => {
    const raw = opts.fallback
      ? await opts.redis.tryRun((c) => c.get(key), null)
      : await opts.redis.run((c) => c.get(key));
    return raw ? (JSON.parse(raw) as Entry<T>) : null;
  };
  const set = async (key: string, value: unknown, ttlSeconds: number) => {
    const payload = JSON.stringify({ at: Date.now(), value });
    if (opts.fallback) await opts.redis.tryRun((c) => c.set(key, payload, 'EX', ttlSeconds), null);
    else await opts.redis.run((c) => c.set(key, payload, 'EX', ttlSeconds));
  };
  return {
    async read<T>(
      key: string,
      o: { freshMs: number; ttlSeconds: number; dependency?: string },
      load: () => Promise<T>,
    ): Promise<CachedValue<T>> {
      const entry = await get<T>(key);
      if (entry && Date.now() - entry.at < o.freshMs) return { value: entry.value, source: 'cache' };
      try {
        const value = await load();
        await set(key, value, o.ttlSeconds);
        return { value, source: 'database' };
      } catch (err) {
        if (err instanceof DependencyUnavailableError && err.dependency === 'postgres' && entry) {
          opts.metrics.degraded.inc({ dependency: 'postgres', operation: o.dependency ?? 'cached-read' });
          return { value: entry.value, source: 'stale-cache' };
        }
        throw err;
      }
    },
    /** Drops entries after a write (best effort: a Redis outage leaves them to expire within freshMs). */
    async invalidate(...keys: string[]): Promise<void> {
      if (keys.length === 0) return;
      await opts.redis.tryRun((c) => c.del(...keys), 0);
    },
  };
}

export type ReadCache = ReturnType<typeof createReadCache>;
