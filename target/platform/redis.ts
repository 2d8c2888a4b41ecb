import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { TargetConfig } from '../config.ts';
import { createBreaker } from './breaker.ts';
import type { BreakerState } from './breaker.ts';
import { DependencyUnavailableError } from './http-errors.ts';
import type { Logger } from './logger.ts';

/**
 * Redis access: an ioredis client that fails fast when Redis is gone
 * (commandTimeout, maxRetriesPerRequest 1, no offline queue), reconnecting in
 * the background with capped backoff, and every command through a circuit
 * breaker. `run` throws DependencyUnavailableError (503 + Retry-After) on
 * availability failures; callers with a fallback (reads from PG, the local
 * rate limiter) catch it or use `tryRun`.
 */
export interface RedisService {
  readonly client: Redis;
  /** One attempt, through the breaker; availability failures → DependencyUnavailableError. */
  run<T>(fn: (client: Redis) => Promise<T>): Promise<T>;
  /** Like run, but availability failures give `fallback` (the caller degrades instead of failing). */
  tryRun<T, F>(fn: (client: Redis) => Promise<T>, fallback: F): Promise<T | F>;
  /** True when the connection is up and the breaker is not open. */
  available(): boolean;
  /** Direct PING bypassing the breaker (for /readyz). */
  ping(timeoutMs?: number): Promise<void>;
  breakerState(): BreakerState;
  /**
   * A separate connection for blocking commands (XREADGROUP BLOCK, SUBSCRIBE):
   * no command timeout, same fail-fast queue rules; `extra` overrides options (autoResubscribe...).
   * Disconnected by stop().
   */
  duplicateForBlocking(name: string, extra?: Partial<RedisOptions>): Redis;
  stop(): Promise<void>;
}

const UNAVAILABLE_MESSAGE =
  /Connection is closed|Stream isn't writeable|enableOfflineQueue|Command timed out|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|MaxRetriesPerRequest|LOADING|Reached the max retries|Breaker is open|Semaphore locked|shutdown/i;

export function isRedisUnavailable(err: unknown): boolean {
  if (err instanceof DependencyUnavailableError) return err.dependency === 'redis';
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  if (
    typeof e.code === 'string' &&
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'EPIPE',
      'ETIMEDOUT',
      'EOPENBREAKER',
      'ESEMLOCKED',
      'ESHUTDOWN',
      'ENOTFOUND',
    ].includes(e.code)
  )
    return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message);
}

export function redisOptions(config: TargetConfig, name: string, blocking = false): RedisOptions {
  return {
    connectionName: `socialconnect-${name}`,
    connectTimeout: config.redis.connectTimeoutMs,
    commandTimeout: blocking ? undefined : config.redis.commandTimeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    // Commands issued in one tick (a request's deny-list check and rate-limit script, and those of the other
    // requests of that tick) go out in one write: fewer syscalls, one round trip.
    enableAutoPipelining: !blocking,
    lazyConnect: true,
    // Reconnect forever in the background, backoff capped at 2 s (with jitter so workers do not stampede).
    retryStrategy: (times) => Math.min(2000, 50 * 2 ** Math.min(times, 6)) + Math.floor(Math.random() * 100),
  };
}

export function createRedis(
  config: TargetConfig,
  logger: Logger,
  onBreakerChange?: (s: BreakerState) => void,
): RedisService {
  const client = new Redis(config.redisUrl, redisOptions(config, 'main'));
  let lastState = '';
  const note = (state: string, err?: Error) => {
    if (state === lastState) return;
    lastState = state;
    if (state === 'ready') logger.info('redis connection ready');
    else logger.warn({ err: err?.message }, `redis connection ${state}`);
  };
  client.on('ready', () => note('ready'));
  client.on('error', (err: Error) => note('error', err));
  client.on('end', () => note('ended'));
  const blocking = new Set<Redis>();

  const breaker = createBreaker({
    name: 'redis',
    timeoutMs: config.redis.commandTimeoutMs + 500,
    resetTimeoutMs: config.breakerResetTimeoutMs,
    countsAsFailure: isRedisUnavailable,
    logger,
    onStateChange: onBreakerChange,
  });

  const run = <T>(fn: (c: Redis) => Promise<T>): Promise<T> =>
    breaker
      .run(() => {
        // Fail fast without even queueing when the socket is not ready.
        if (client.status !== 'ready')
          return Promise.reject(new Error(`Connection is closed (status ${client.status})`));
        return fn(client);
      })
      .catch((err: unknown) => {
        if (isRedisUnavailable(err)) throw new DependencyUnavailableError('redis', config.retryAfterSeconds, err);
        throw err;
      });

  return {
    client,
    run,
    async tryRun<T, F>(fn: (c: Redis) => Promise<T>, fallback: F): Promise<T | F> {
      try {
        return await run(fn);
      } catch (err) {
        if (err instanceof DependencyUnavailableError) return fallback;
        throw err;
      }
    },
    available: () => client.status === 'ready' && breaker.state() !== 'open',
    async ping(timeoutMs = 1000) {
      if (client.status !== 'ready') throw new Error(`connection ${client.status}`);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no PONG within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    breakerState: () => breaker.state(),
    duplicateForBlocking(name, extra = {}) {
      const c = new Redis(config.redisUrl, { ...redisOptions(config, name, true), ...extra });
      c.on('error', (err: Error) => logger.debug({ err: err.message, conn: name }, 'redis blocking connection error'));
      blocking.add(c);
      c.once('end', () => blocking.delete(c));
      return c;
    },
    async stop() {
      breaker.shutdown();
      for (const c of blocking) c.disconnect();
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** Connects (lazyConnect) and waits for the first ready, or throws the cause. */
export async function connectRedis(service: RedisService, timeoutMs: number): Promise<void> {
  const c = service.client;
  if (c.status === 'ready') return;
  await Promise.race([
    c.status === 'wait' ? c.connect() : new Promise<void>((resolve) => c.once('ready', () => resolve())),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs).unref(),
    ),
  ]);
}
