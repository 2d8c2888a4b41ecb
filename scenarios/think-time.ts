import { parseDuration } from '../common/index.ts';
import type { ThinkTime } from './schema/flow.ts';

/** Returns a sampler of think times in ms for the distribution, or null for none. */
export function thinkSampler(t: ThinkTime): (() => number) | null {
  switch (t.type) {
    case 'none':
      return null;
    case 'constant': {
      const ms = parseDuration(t.duration);
      return ms > 0 ? () => ms : null;
    }
    case 'uniform': {
      const min = parseDuration(t.min);
      const max = parseDuration(t.max);
      return () => min + Math.random() * (max - min);
    }
    case 'normal': {
      const mean = parseDuration(t.mean);
      const sd = parseDuration(t.stddev);
      return () => {
        // Box-Muller; clamped at 0 (a user cannot think for negative time).
        const u = 1 - Math.random();
        const v = Math.random();
        return Math.max(0, mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
      };
    }
    case 'exponential': {
      const mean = parseDuration(t.mean);
      return () => -mean * Math.log(1 - Math.random());
    }
  }
}

/**
 * A think() that sleeps a sampled time and wakes at once when the run stops. The sleepers wait in one Set that
 * a single abort listener empties: a listener per sleep (timers/promises with `{ signal }`) made every sleep
 * scan the signal's list of listeners to add and again to remove itself — with 10,000 VUs thinking, ~150 µs of
 * CPU per think, a fifth of a core at 1,000 requests a second.
 */
export function thinker(t: ThinkTime, signal: AbortSignal): (() => Promise<void>) | undefined {
  const sample = thinkSampler(t);
  if (!sample) return undefined;
  interface Sleeper {
    timer: NodeJS.Timeout;
    wake: () => void;
  }
  const sleepers = new Set<Sleeper>();
  signal.addEventListener(
    'abort',
    () => {
      for (const s of sleepers) {
        clearTimeout(s.timer);
        s.wake();
      }
      sleepers.clear();
    },
    { once: true },
  );
  return () => {
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((wake) => {
      const s: Sleeper = {
        timer: setTimeout(() => {
          sleepers.delete(s);
          wake();
        }, sample()),
        wake,
      };
      sleepers.add(s);
    });
  };
}
