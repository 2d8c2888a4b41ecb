/**
 * Retries with exponential backoff and full jitter (AWS architecture blog's
 * "full jitter": sleep = random(0, min(cap, base * 2^attempt))). Written by
 * hand because it is a dozen lines and must consult the caller's own
 * predicate (only idempotent operations, only transient failures, never when
 * the breaker is already open).
 */
export interface RetryOptions {
  retries: number;
  baseMs: number;
  maxMs: number;
  shouldRetry: (err: unknown) => boolean;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= opts.retries || !opts.shouldRetry(err)) throw err;
      await sleep(random() * Math.min(opts.maxMs, opts.baseMs * 2 ** attempt));
    }
  }
}
