import CircuitBreaker from 'opossum';
import type { Logger } from './logger.ts';

/**
 * Circuit breakers (opossum) around each dependency. A breaker wraps a generic
 * "run this thunk" action so one breaker guards every call to its dependency;
 * `capacity` makes it a bulkhead too (excess concurrent calls are rejected at
 * once instead of queueing without bound).
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface Breaker {
  readonly name: string;
  run<T>(fn: () => Promise<T>): Promise<T>;
  state(): BreakerState;
  /** The breaker's own rejection codes: EOPENBREAKER, ETIMEDOUT (breaker timeout), ESEMLOCKED (capacity), ESHUTDOWN. */
  isBreakerRejection(err: unknown): boolean;
  shutdown(): void;
}

export interface BreakerOptions {
  name: string;
  /** Breaker-level timeout; the client's own timeouts should fire first. */
  timeoutMs: number;
  resetTimeoutMs: number;
  /** Only failures for which this returns true count toward opening (e.g. not a unique violation). */
  countsAsFailure: (err: unknown) => boolean;
  capacity?: number;
  errorThresholdPercentage?: number;
  volumeThreshold?: number;
  logger?: Logger;
  onStateChange?: (state: BreakerState) => void;
}

const OWN_CODES = new Set(['EOPENBREAKER', 'ETIMEDOUT', 'ESEMLOCKED', 'ESHUTDOWN']);

export function createBreaker(opts: BreakerOptions): Breaker {
  const cb = new CircuitBreaker<[() => Promise<unknown>], unknown>((fn) => fn(), {
    name: opts.name,
    timeout: opts.timeoutMs,
    resetTimeout: opts.resetTimeoutMs,
    errorThresholdPercentage: opts.errorThresholdPercentage ?? 50,
    volumeThreshold: opts.volumeThreshold ?? 5,
    rollingCountTimeout: 10_000,
    rollingCountBuckets: 10,
    rollingPercentilesEnabled: false,
    capacity: opts.capacity,
    errorFilter: (err: unknown) => !opts.countsAsFailure(err),
  });
  const state = (): BreakerState => (cb.opened ? 'open' : cb.halfOpen ? 'half-open' : 'closed');
  const report = () => {
    const s = state();
    opts.logger?.warn({ breaker: opts.name, state: s }, `circuit breaker ${opts.name} is ${s}`);
    opts.onStateChange?.(s);
  };
  cb.on('open', report);
  cb.on('halfOpen', report);
  cb.on('close', report);
  return {
    name: opts.name,
    run: <T>(fn: () => Promise<T>) => cb.fire(fn) as Promise<T>,
    state,
    isBreakerRejection(err) {
      const e = err as { code?: unknown } | null;
      return !!e && typeof e === 'object' && OWN_CODES.has(e.code as string) && !('severity' in e) && !('errno' in e);
    },
    shutdown: () => cb.shutdown(),
  };
}
