import { randomInt } from 'node:crypto';

/** A source of uniform numbers in [0, 1); seedable so a drill can be replayed with the same toxicity rolls and jitter. */
export interface RandomSource {
  readonly seed: number;
  next(): number;
  /** Integer in [0, n) (n > 0); 0 when n <= 0, like a guard around Go's rand.Intn. */
  int(n: number): number;
}

/**
 * mulberry32: a tiny 32-bit generator, good enough for fault injection and
 * reproducible from one integer (Node's Math.random cannot be seeded).
 */
export function createRandom(seed?: number): RandomSource {
  const initial = seed === undefined ? randomInt(0, 2 ** 31) : seed >>> 0;
  let state = initial;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed: initial,
    next,
    int: (n) => (n <= 0 ? 0 : Math.floor(next() * n)),
  };
}
