import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SelfCheck } from './self-check.ts';

/** Loop-lag samples the self-check has recorded over the run. */
const recorded = (self: SelfCheck) => (self as unknown as { whole: { totalCount: number } }).whole.totalCount;

describe('SelfCheck loop lag', () => {
  it('samples the loop every 5 ms: the lag p99 is a share of the samples, and maxLoopLagP99Ms was set against 5 ms samples', async () => {
    const self = new SelfCheck();
    self.start();
    await sleep(1_000);
    self.stop();
    // ~200 samples in a second at 5 ms (fewer on a loaded machine); at most 100 at 10 ms, where each stall weighs
    // twice as much in the p99 (one 30 ms stall a second then reads p99 ≈ 21 ms, over the default 20 ms).
    expect(recorded(self)).toBeGreaterThan(120);
  });

  it('stop() ends the sampling', async () => {
    const self = new SelfCheck();
    self.start();
    await sleep(100);
    self.stop();
    const atStop = recorded(self);
    expect(atStop).toBeGreaterThan(0);
    await sleep(100);
    expect(recorded(self)).toBe(atStop);
  });
});
