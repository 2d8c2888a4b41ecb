import { Router } from 'express';
import type { Database } from './db.ts';
import type { RedisService } from './redis.ts';

/**
 * /livez: the process answers. /readyz: PostgreSQL and Redis both answer a
 * real round trip right now; 503 names the one(s) that do not.
 */
export function healthRouter(deps: { db: Database; redis: RedisService; isShuttingDown: () => boolean }): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const check = async (fn: () => Promise<void>) => {
      const started = performance.now();
      try {
        await fn();
        return { status: 'up' as const, ms: Math.round(performance.now() - started) };
      } catch (err) {
        return {
          status: 'down' as const,
          ms: Math.round(performance.now() - started),
          error: err instanceof Error ? err.message : String(err),
        };
      }
    };
    const [postgres, redis] = await Promise.all([check(() => deps.db.ping(1000)), check(() => deps.redis.ping(1000))]);
    const down = [postgres.status === 'down' ? 'postgres' : null, redis.status === 'down' ? 'redis' : null].filter(
      (x): x is string => x !== null,
    );
    const draining = deps.isShuttingDown();
    const ok = down.length === 0 && !draining;
    res.status(ok ? 200 : 503);
    if (!ok) res.setHeader('Retry-After', '5');
    res.json({
      status: ok ? 'ready' : 'unavailable',
      ...(down.length ? { detail: `not reachable: ${down.join(', ')}` } : {}),
      ...(draining ? { draining: true } : {}),
      down,
      checks: { postgres, redis },
    });
  });
  return router;
}
