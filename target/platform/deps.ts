import type { RequestHandler } from 'express';
import type { TargetConfig } from '../config.ts';
import type { Database } from './db.ts';
import type { Role } from './locals.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { RedisService } from './redis.ts';
import type { Semaphore } from './semaphore.ts';

/**
 * What every component router and background service receives. Built once per
 * process (worker, or startTarget in tests) by target/runtime.ts.
 */
export interface AppDeps {
  readonly config: TargetConfig;
  readonly logger: Logger;
  readonly db: Database;
  readonly redis: RedisService;
  readonly metrics: Metrics;
  readonly guards: {
    /** 401 unless the request carries a valid access token; then res.locals.user = { id, role }. */
    readonly requireAuth: RequestHandler;
    /** 401 when anonymous, 403 unless res.locals.user.role is one of these. */
    readonly requireRole: (...roles: Role[]) => RequestHandler;
  };
  /** Bulkhead for CPU-heavy password hashing (argon2). */
  readonly hashing: Semaphore;
  readonly lifecycle: { isShuttingDown(): boolean };
}

/** A background task that runs in every worker (e.g. a stream consumer). */
export interface BackgroundService {
  stop(): Promise<void>;
}
