import { ServiceUnavailableError } from './http-errors.ts';

/**
 * A counting semaphore with a bounded wait queue: the bulkhead that keeps a
 * burst of one kind of work (argon2 hashing on logins) from taking every
 * libuv thread and event-loop turn from the rest. Past `maxQueue` waiters it
 * sheds load with 503 + Retry-After instead of queueing without bound.
 * (Small enough to write here; p-limit has no queue bound or rejection.)
 */
export interface Semaphore {
  run<T>(fn: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly waiting: number;
}

export function createSemaphore(opts: {
  concurrency: number;
  maxQueue: number;
  retryAfterSeconds: number;
  name: string;
  onChange?: (active: number, waiting: number) => void;
}): Semaphore {
  let active = 0;
  const queue: Array<() => void> = [];
  const changed = () => opts.onChange?.(active, queue.length);
  const release = () => {
    active--;
    const next = queue.shift();
    if (next) {
      active++;
      next();
    }
    changed();
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (active >= opts.concurrency) {
        if (queue.length >= opts.maxQueue) {
          throw new ServiceUnavailableError(
            `The server is busy (${opts.name}); try again shortly.`,
            opts.retryAfterSeconds,
            'OVERLOADED',
          );
        }
        await new Promise<void>((resolve) => {
          queue.push(resolve);
          changed();
        });
      } else {
        active++;
        changed();
      }
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}
