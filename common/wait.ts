import { EnvironmentError } from './errors.ts';

/** A clock that can be replaced in tests. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface WaitStrategy {
  readonly description: string;
  /** Resolves true when ready; false or a throw means "not yet". */
  check(): Promise<boolean>;
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  clock?: Clock;
  /** Called on each failed check; returning an error aborts the wait at once (e.g. the process died). */
  abortIf?: () => Error | undefined;
}

export class WaitTimeoutError extends EnvironmentError<'RAMPART_WAIT_TIMEOUT'> {
  constructor(description: string, timeoutMs: number, lastError: unknown) {
    super('RAMPART_WAIT_TIMEOUT', `${description} was not ready within ${timeoutMs} ms`, {
      cause: lastError,
      hint: lastError instanceof Error ? `last attempt: ${lastError.message}` : undefined,
    });
  }
}

/** Polls a strategy until it is ready, the timeout passes, or abortIf says stop. */
export async function waitFor(strategy: WaitStrategy, options: WaitOptions): Promise<void> {
  const clock = options.clock ?? systemClock;
  const interval = options.intervalMs ?? 100;
  const deadline = clock.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await strategy.check()) return;
    } catch (err) {
      lastError = err;
    }
    const abort = options.abortIf?.();
    if (abort) throw abort;
    if (clock.now() >= deadline) throw new WaitTimeoutError(strategy.description, options.timeoutMs, lastError);
    await clock.sleep(interval);
  }
}

/** Ready when an HTTP GET answers with the expected status. */
export function forHttp(url: string, expectedStatus = 200): WaitStrategy {
  return {
    description: `GET ${url}`,
    async check() {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status !== expectedStatus) throw new Error(`status ${res.status}`);
      return true;
    },
  };
}
