import type { RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppDeps } from './deps.ts';
import { DependencyUnavailableError, TooManyRequestsError } from './http-errors.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { RedisService } from './redis.ts';

/**
 * Fixed-window limiters from rate-limiter-flexible: the counter lives in Redis
 * (shared by every worker and every instance), and when Redis is unavailable
 * a local in-process RateLimiterMemory takes over — logged and counted, never
 * silently failing open. Its budget is the limit divided by the number of
 * workers (round-robin spreads a client's requests evenly). With
 * REDIS_FALLBACK=off the Redis failure surfaces instead (503).
 */
export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
  /** Epoch ms when the window this decision counted in ends. */
  windowEndsAt: number;
  /** True when the local fallback limiter decided. */
  local: boolean;
}

export interface Limiter {
  readonly name: string;
  readonly points: number;
  readonly windowSeconds: number;
  consume(key: string, points?: number): Promise<LimitDecision>;
  /** Gives points back (a charged request the server then failed); `local` says which limiter charged them. */
  refund(key: string, local: boolean, points?: number): Promise<void>;
  /** Reads without consuming; null when the key has no usage in this window. */
  peek(key: string): Promise<LimitDecision | null>;
  reset(key: string): Promise<void>;
}

export interface LimiterOptions {
  name: string;
  points: number;
  windowSeconds: number;
  /** Once the points are spent, block the key this long (default: until the window ends). */
  blockSeconds?: number;
  workers: number;
  fallback: boolean;
  redis: RedisService;
  metrics: Metrics;
  logger: Logger;
}

function decision(res: RateLimiterRes, limit: number, allowed: boolean, local: boolean): LimitDecision {
  return {
    allowed,
    limit,
    remaining: Math.max(0, res.remainingPoints),
    resetSeconds: Math.max(0, Math.ceil(res.msBeforeNext / 1000)),
    windowEndsAt: Date.now() + Math.max(0, res.msBeforeNext),
    local,
  };
}

export function createLimiter(opts: LimiterOptions): Limiter {
  const shared = new RateLimiterRedis({
    storeClient: opts.redis.client,
    keyPrefix: `rl:${opts.name}`,
    points: opts.points,
    duration: opts.windowSeconds,
    blockDuration: opts.blockSeconds ?? 0,
    rejectIfRedisNotReady: true,
  });
  const localPoints = Math.max(1, Math.ceil(opts.points / Math.max(1, opts.workers)));
  const local = new RateLimiterMemory({
    keyPrefix: `rl:${opts.name}`,
    points: localPoints,
    duration: opts.windowSeconds,
    blockDuration: opts.blockSeconds ?? 0,
  });
  let lastWarn = 0;
  const degrade = (err: unknown) => {
    if (!(err instanceof DependencyUnavailableError) || !opts.fallback) throw err;
    opts.metrics.rateLimitFallback.inc({ reason: 'redis-unavailable' });
    const now = Date.now();
    if (now - lastWarn > 10_000) {
      lastWarn = now;
      opts.logger.warn(
        { limiter: opts.name, cause: err instanceof Error ? err.message : String(err) },
        'rate limiter falling back to the local in-process limiter: Redis is unavailable',
      );
    }
  };
  const isLimitResult = (v: unknown): v is RateLimiterRes => v instanceof RateLimiterRes;

  async function viaLocal(key: string, points: number): Promise<LimitDecision> {
    try {
      return decision(await local.consume(key, points), localPoints, true, true);
    } catch (rej) {
      if (isLimitResult(rej)) return decision(rej, localPoints, false, true);
      throw rej;
    }
  }

  return {
    name: opts.name,
    points: opts.points,
    windowSeconds: opts.windowSeconds,
    async consume(key, points = 1) {
      let res: RateLimiterRes;
      try {
        res = await opts.redis.run(() => shared.consume(key, points));
      } catch (err) {
        if (isLimitResult(err)) return decision(err, opts.points, false, false);
        degrade(err);
        return viaLocal(key, points);
      }
      return decision(res, opts.points, true, false);
    },
    async refund(key, charged, points = 1) {
      if (charged) {
        await local.reward(key, points);
        return;
      }
      try {
        await opts.redis.run(() => shared.reward(key, points));
      } catch (err) {
        // Redis went away since the charge: the shared counter keeps the point until its window ends.
        degrade(err);
      }
    },
    async peek(key) {
      try {
        const res = await opts.redis.run(() => shared.get(key));
        return res ? decision(res, opts.points, res.remainingPoints > 0, false) : null;
      } catch (err) {
        degrade(err);
        const res = await local.get(key);
        return res ? decision(res, localPoints, res.remainingPoints > 0, true) : null;
      }
    },
    async reset(key) {
      await local.delete(key);
      try {
        await opts.redis.run(() => shared.delete(key));
      } catch (err) {
        degrade(err);
      }
    },
  };
}

/** IETF draft-ietf-httpapi-ratelimit-headers: RateLimit-Policy and RateLimit (structured fields). */
export function setRateLimitHeaders(res: Response, policy: string, d: LimitDecision, windowSeconds: number): void {
  res.setHeader('RateLimit-Policy', `"${policy}";q=${d.limit};w=${windowSeconds}`);
  res.setHeader('RateLimit', `"${policy}";r=${d.remaining};t=${d.resetSeconds}`);
}

/**
 * Per user (authenticated: RATE_LIMIT_PER_MINUTE) or per IP (anonymous:
 * RATE_LIMIT_ANON_PER_MINUTE) on every request that reaches the API routers.
 * Sets the headers on every response; 429 + Retry-After past the limit.
 *
 * A request the server failed (answered 5xx: a dependency down, shedding,
 * a bug) is refunded once its answer is sent: the budget pays for work the
 * server did, so a client retrying an idempotent request after an outage (as
 * told by the 503's Retry-After) does not find its budget spent by the
 * server's own failures. Every other answer stays charged — a 4xx, a 429, an
 * idempotent replay — and so does a request whose client went away unanswered.
 */
export function rateLimit(deps: Pick<AppDeps, 'config' | 'redis' | 'metrics' | 'logger'>): RequestHandler {
  const common = {
    windowSeconds: 60,
    workers: deps.config.workers,
    fallback: deps.config.redisFallback,
    redis: deps.redis,
    metrics: deps.metrics,
    logger: deps.logger,
  };
  const perUser = createLimiter({ ...common, name: 'user', points: deps.config.rateLimit.perUserPerMinute });
  const perIp = createLimiter({ ...common, name: 'ip', points: deps.config.rateLimit.perIpPerMinute });
  return async (req, res, next) => {
    if (req.method === 'OPTIONS') {
      next();
      return;
    }
    const user = res.locals.user;
    const [limiter, key] = user ? [perUser, user.id] : [perIp, req.ip ?? req.socket.remoteAddress ?? 'unknown'];
    const d = await limiter.consume(key);
    setRateLimitHeaders(res, limiter.name, d, limiter.windowSeconds);
    if (d.allowed) {
      res.once('finish', () => {
        // Only into the window that was charged: a refund after it ended would raise the next window's budget.
        if (res.statusCode < 500 || Date.now() >= d.windowEndsAt) return;
        deps.metrics.rateLimitRefunded.inc({ policy: limiter.name });
        limiter
          .refund(key, d.local)
          .catch((err: unknown) =>
            deps.logger.warn(
              { limiter: limiter.name, err: err instanceof Error ? err.message : String(err) },
              'rate limiter refund failed',
            ),
          );
      });
    } else {
      deps.metrics.rateLimited.inc({ policy: limiter.name });
      throw new TooManyRequestsError(
        d.resetSeconds,
        `Rate limit of ${d.limit} requests per ${limiter.windowSeconds} s exceeded; retry after ${Math.max(1, d.resetSeconds)} s.`,
      );
    }
    next();
  };
}
