import type { Express } from 'express';
import type { TargetConfig } from './config.ts';
import { createApp } from './app.ts';
import type { CreateAppOptions } from './app.ts';
import { authServicesFor, requireAuth, requireRole } from './auth/index.ts';
import { createDatabase } from './platform/db.ts';
import type { AppDeps, BackgroundService } from './platform/deps.ts';
import { createLogger } from './platform/logger.ts';
import type { Logger } from './platform/logger.ts';
import { createMetrics } from './platform/metrics.ts';
import { connectRedis, createRedis } from './platform/redis.ts';
import { createSemaphore } from './platform/semaphore.ts';
import { backgroundServices } from './routes.ts';

/**
 * One process's worth of the application: dependencies (pools, Redis, metrics,
 * bulkheads), the Express app, and the background services. Shared by the
 * cluster worker and by startTarget (tests).
 */
export interface Runtime {
  readonly deps: AppDeps;
  readonly app: Express;
  /** Starts the background services (after the server listens). */
  startBackground(): Promise<void>;
  /** Marks the process as draining: /readyz answers 503 from now on. */
  beginShutdown(): void;
  /** Stops background services and closes pools and connections. */
  stop(): Promise<void>;
}

export interface RuntimeOptions extends CreateAppOptions {
  logger?: Logger;
  /** Wait at most this long for Redis at start; a worker carries on degraded if it is down. */
  redisConnectTimeoutMs?: number;
  background?: boolean;
}

export async function createRuntime(config: TargetConfig, opts: RuntimeOptions = {}): Promise<Runtime> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const db = createDatabase(config, logger, (s) => metrics.setBreaker('postgres', s));
  const redis = createRedis(config, logger, (s) => metrics.setBreaker('redis', s));
  try {
    await connectRedis(redis, opts.redisConnectTimeoutMs ?? config.redis.connectTimeoutMs);
  } catch (err) {
    logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'Redis is not reachable at start; serving degraded until it is',
    );
  }
  let shuttingDown = false;
  const hashing = createSemaphore({
    name: 'password hashing',
    concurrency: config.argon2.concurrency,
    maxQueue: config.argon2.maxQueue,
    retryAfterSeconds: config.retryAfterSeconds,
    onChange: (active, waiting) => {
      metrics.argon2Active.set(active);
      metrics.argon2Queue.set(waiting);
    },
  });
  metrics.addCollectedGauge(
    'pg_pool_connections',
    'PostgreSQL pool connections by pool and state',
    ['pool', 'state'],
    (set) => {
      for (const [pool, s] of Object.entries(db.poolStats())) {
        set({ pool, state: 'total' }, s.total);
        set({ pool, state: 'idle' }, s.idle);
        set({ pool, state: 'waiting' }, s.waiting);
        set({ pool, state: 'max' }, s.max);
      }
    },
  );
  metrics.addCollectedGauge('redis_connected', 'Redis connection ready (1) or not (0)', [], (set) =>
    set({}, redis.client.status === 'ready' ? 1 : 0),
  );

  const deps: AppDeps = {
    config,
    logger,
    db,
    redis,
    metrics,
    guards: { requireAuth, requireRole },
    hashing,
    lifecycle: { isShuttingDown: () => shuttingDown },
  };
  const app = createApp(deps, { routes: opts.routes });
  const running: BackgroundService[] = [];
  return {
    deps,
    app,
    async startBackground() {
      if (opts.background === false) return;
      for (const start of backgroundServices) running.push(await start(deps));
    },
    beginShutdown() {
      shuttingDown = true;
    },
    async stop() {
      shuttingDown = true;
      await Promise.allSettled(running.splice(0).map((s) => s.stop()));
      authServicesFor(deps).denyList.stop(); // its subscription and ping timer, even while Redis is down
      await Promise.allSettled([db.stop(), redis.stop()]);
    },
  };
}
