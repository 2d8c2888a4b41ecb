import { describe, expect, it } from 'vitest';
import { withRetry } from './retry.ts';

describe('withRetry', () => {
  it('backs off exponentially with full jitter, capped, and gives up after the retries', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('transient');
        },
        {
          retries: 4,
          baseMs: 100,
          maxMs: 500,
          shouldRetry: () => true,
          random: () => 1,
          sleep: async (ms) => void sleeps.push(ms),
        },
      ),
    ).rejects.toThrow('transient');
    expect(calls).toBe(5);
    expect(sleeps).toEqual([100, 200, 400, 500]);
  });

  it('never retries what the predicate refuses (non-idempotent or not transient)', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('unique violation');
        },
        { retries: 3, baseMs: 1, maxMs: 1, shouldRetry: () => false },
      ),
    ).rejects.toThrow();
    expect(calls).toBe(1);
  });

  it('returns the first success', async () => {
    let calls = 0;
    const v = await withRetry(
      async () => {
        if (++calls < 3) throw new Error('again');
        return 'ok';
      },
      { retries: 5, baseMs: 1, maxMs: 1, shouldRetry: () => true, random: () => 0 },
    );
    expect(v).toBe('ok');
    expect(calls).toBe(3);
  });
});
