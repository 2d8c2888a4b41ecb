import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { thinker } from './think-time.ts';

describe('thinker', () => {
  it('sleeps about the sampled time', async () => {
    const ac = new AbortController();
    const think = thinker({ type: 'constant', duration: '60ms' }, ac.signal);
    expect(think).toBeDefined();
    const t0 = performance.now();
    await think?.();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
  });

  it('no think time gives no thinker', () => {
    expect(thinker({ type: 'none' }, new AbortController().signal)).toBeUndefined();
  });

  it('wakes every sleeper at once when the run stops, with one abort listener however many sleep', async () => {
    const ac = new AbortController();
    const think = thinker({ type: 'constant', duration: '60s' }, ac.signal);
    const sleeps = Array.from({ length: 1000 }, () => think?.());
    // One listener for the whole run, not one per sleep (each would scan the signal's listeners to add and remove).
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    const t0 = performance.now();
    ac.abort();
    await Promise.all(sleeps);
    expect(performance.now() - t0).toBeLessThan(5_000);
    // After the stop, a think returns at once.
    await think?.();
  });
});
