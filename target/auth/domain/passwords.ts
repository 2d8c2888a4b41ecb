import argon2 from 'argon2';
import type { Semaphore } from '../../platform/semaphore.ts';

/**
 * argon2id (OWASP parameters: 19 MiB, 2 iterations, 1 lane). argon2 hashes on
 * libuv's thread pool, off the event loop; the semaphore bounds how many run
 * at once so a login storm queues (or is shed with 503) instead of starving
 * every other request.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface Passwords {
  hash(plain: string): Promise<string>;
  verify(hash: string, plain: string): Promise<boolean>;
  /** Spends the same work as a real verify, for unknown accounts (no timing oracle for emails). */
  burn(plain: string): Promise<void>;
}

export function createPasswords(bulkhead: Semaphore): Passwords {
  let dummy: Promise<string> | undefined;
  return {
    hash: (plain) => bulkhead.run(() => argon2.hash(plain, OPTIONS)),
    verify: (hash, plain) => bulkhead.run(() => argon2.verify(hash, plain).catch(() => false)),
    async burn(plain) {
      dummy ??= argon2.hash('not-a-real-password', OPTIONS);
      const h = await dummy;
      await bulkhead.run(() => argon2.verify(h, plain).catch(() => false));
    },
  };
}
