import { describe, expect, it } from 'vitest';
import { SEND_AHEAD_MS, SlotPool, runArrivalRate } from './arrival-rate-executor.ts';
import { RateSchedule } from './rate-schedule.ts';

describe('the open-model scheduler', () => {
  it('issues every arrival once, several per wake-up at 1,000/s, none more than SEND_AHEAD_MS before its time', async () => {
    const t0 = performance.now() + 5;
    const sent: Array<{ vu: number; intended: number; at: number }> = [];
    const run = runArrivalRate({
      schedule: RateSchedule.constant(1000, '1s', '400ms'),
      maxVUs: 50,
      maxLatenessMs: 10_000,
      signal: new AbortController().signal,
      t0,
      iterate: async (vu, _iter, intended) => {
        sent.push({ vu, intended, at: performance.now() });
        await new Promise((r) => setImmediate(r));
      },
      dropped: () => undefined,
    });
    await run.done;
    expect(sent.length).toBe(400);
    expect(run.stats.started).toBe(400);
    expect(new Set(sent.map((s) => s.intended)).size).toBe(400);
    const earliest = Math.max(...sent.map((s) => s.intended - s.at));
    expect(earliest).toBeLessThanOrEqual(SEND_AHEAD_MS + 0.001);
    // A wake-up sends the arrivals of the next few ms with the one due: some go out (a little) ahead of their time
    // (most of them on a quiet machine; how many depends on how late the busy machine's timers fire).
    expect(sent.filter((s) => s.at < s.intended).length).toBeGreaterThan(0);
  });
});

describe('the VU slots (one connection each)', () => {
  it('opens a slot only when no opened one is free, and reuses the free ones oldest first', () => {
    const pool = new SlotPool(10);
    const [a, b, c] = [pool.take(0), pool.take(0), pool.take(0)];
    expect([a, b, c]).toEqual([0, 1, 2]);
    pool.release(b, 1);
    pool.release(a, 2);
    pool.release(c, 3);
    // Oldest free first (a LIFO would take c again and leave a and b idle until their server closes them).
    expect([pool.take(4), pool.take(4), pool.take(4)]).toEqual([b, a, c]);
    expect(pool.take(4)).toBe(3);
  });

  it('sets aside a slot idle for more than 2 s and uses it only when no warm one is free, before a new one', () => {
    const pool = new SlotPool(3);
    const [a, b] = [pool.take(0), pool.take(0)];
    pool.release(a, 0);
    pool.release(b, 2500);
    // a has been idle 3 s at t = 3000: b (warm) goes first, then a, then the never-used slot.
    expect(pool.take(3000)).toBe(b);
    expect(pool.take(3000)).toBe(a);
    expect(pool.hasFree()).toBe(true);
    expect(pool.take(3000)).toBe(2);
    expect(pool.hasFree()).toBe(false);
  });
});
