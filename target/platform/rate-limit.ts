import { createHash } from 'node:crypto';
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
 * workers (a client's connections spread over the workers; where they do not
 * spread evenly the local limit is stricter, never looser). With
 * REDIS_FALLBACK=off the Redis failure surfaces instead (503).
 *
 * Leases (`lease` > 1): instead of one Redis round trip per request, a worker
 * takes several points of a key's window from the shared counter at once and
 * spends them locally. No library does this (rate-limiter-flexible counts per
 * request, or keeps a purely local copy), so it is written here, one Lua script.
 * Exact at the boundary within a stated tolerance:
 * - never more than the limit: a point is spent only after Redis granted it, and
 *   the script grants no point past the limit;
 * - a lease is only ever larger than the request's own point while the key is
 *   far from its limit (at most a quarter of what is left, divided by the
 *   workers), so the last quarter of a budget is counted one request at a
 *   time, as without leases;
 * - a client whose requests move between workers (or instances) within one
 *   window can be refused early by at most the points other workers still
 *   hold: fewer than `lease` per other worker, and never more than a quarter
 *   of what was left when they leased. A client on one keep-alive connection
 *   stays on one worker and sees the exact limit.
 * The RateLimit header's remaining count is this worker's view: the shared
 * counter when it last asked Redis, plus what its own lease still holds.
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

/** Points of one key's window this worker holds (granted by Redis, not yet spent). */
interface Lease {
  points: number;
  /** The shared counter after the grant. */
  used: number;
  windowEndsAt: number;
}

/**
 * Grants `need` points (a refusal grants none and counts nothing), and while
 * the key is far from its limit up to `batch` points in all: at most a quarter
 * of what is left divided by the holders. Returns {granted, used after, ms left}.
 */
const LEASE_SCRIPT = `
local limit, need, batch, holders, windowMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ttl = redis.call('PTTL', KEYS[1])
local used = 0
if ttl > 0 then used = tonumber(redis.call('GET', KEYS[1]) or '0') else ttl = windowMs end
local left = limit - used
if left < need then return {0, used, ttl} end
local grant = math.max(need, math.min(batch, math.floor(left / (4 * holders))))
if used == 0 then redis.call('SET', KEYS[1], grant, 'PX', ttl) else redis.call('INCRBY', KEYS[1], grant) end
return {grant, used + grant, ttl}`;

const LEASE_SHA = createHash('sha1').update(LEASE_SCRIPT).digest('hex');
/** EVALSHA, and EVAL once when this Redis does not have the script yet (a restart, a new server). */
async function runLease(client: RedisService['client'], key: string, args: number[]): Promise<unknown> {
  try {
    return await client.evalsha(LEASE_SHA, 1, key, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return client.eval(LEASE_SCRIPT, 1, key, ...args);
  }
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
  /** Largest lease of points taken from Redis at once (default 1: every request asks Redis). */
  lease?: number;
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

  const leaseSize = Math.max(1, Math.floor(opts.lease ?? 1));
  const leases = new Map<string, Lease>();
  const redisKey = (key: string) => `rl:${opts.name}:${key}`;
  const leaseDecision = (l: Lease, allowed: boolean, now: number): LimitDecision => ({
    allowed,
    limit: opts.points,
    remaining: allowed ? Math.max(0, opts.points - l.used + l.points) : 0,
    resetSeconds: Math.max(0, Math.ceil((l.windowEndsAt - now) / 1000)),
    windowEndsAt: l.windowEndsAt,
    local: false,
  });
  const sweepLeases = (now: number) => {
    if (leases.size < 10_000) return;
    for (const [k, l] of leases) if (l.windowEndsAt <= now) leases.delete(k);
  };
  async function viaLease(key: string, points: number): Promise<LimitDecision> {
    const now = Date.now();
    const held = leases.get(key);
    if (held && held.windowEndsAt > now && held.points >= points) {
      held.points -= points;
      return leaseDecision(held, true, now);
    }
    const reply = (await opts.redis.run((c) =>
      runLease(c, redisKey(key), [
        opts.points,
        points,
        leaseSize,
        Math.max(1, opts.workers),
        opts.windowSeconds * 1000,
      ]),
    )) as [number, number, number];
    const [granted, used, msLeft] = reply.map(Number) as [number, number, number];
    const at = Date.now();
    const windowEndsAt = at + msLeft;
    if (granted === 0) {
      leases.delete(key);
      return leaseDecision({ points: 0, used, windowEndsAt }, false, at);
    }
    // Two requests that both missed merge what they were granted (same window) instead of dropping one lease.
    const current = leases.get(key);
    const spare = granted - points;
    if (current && current.windowEndsAt > at && Math.abs(current.windowEndsAt - windowEndsAt) < 1000) {
      current.points += spare;
      current.used = Math.max(current.used, used);
      return leaseDecision(current, true, at);
    }
    sweepLeases(at);
    const lease = { points: spare, used, windowEndsAt };
    leases.set(key, lease);
    return leaseDecision(lease, true, at);
  }

  return {
    name: opts.name,
    points: opts.points,
    windowSeconds: opts.windowSeconds,
    async consume(key, points = 1) {
      if (leaseSize > 1) {
        try {
          return await viaLease(key, points);
        } catch (err) {
          degrade(err);
          return viaLocal(key, points);
        }
      }
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
      if (leaseSize > 1) {
        // Back into this worker's lease while its window lasts (the caller refunds only into the charged window).
        const held = leases.get(key);
        if (held && held.windowEndsAt > Date.now()) {
          held.points += points;
          return;
        }
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
      leases.delete(key);
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
    lease: deps.config.rateLimit.lease,
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
