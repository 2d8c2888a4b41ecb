import { describe, expect, it } from 'vitest';
import { findKnee, recoveryAfter, spikeEndOffset } from './analysis.ts';
import { parseScenario } from './index.ts';

const T0 = 1_700_000_000_000;
const sec = (i: number, p95: number, targetRate: number | null = null, failed = 0) => ({
  ts: T0 + i * 1000,
  p95,
  count: 100,
  failed,
  targetRate,
});

describe('suite analysis', () => {
  it('finds the stress knee: the highest rate held before p95 broke 200 ms for 3 s', () => {
    const secs = Array.from({ length: 20 }, (_, i) => sec(i, i < 12 ? 50 + i : i === 12 ? 250 : 400, 10 * (i + 1)));
    // one bad second alone (a blip) is not the knee
    secs[5] = sec(5, 900, 60);
    expect(findKnee(secs)).toEqual({ kneeRate: 120, brokeAt: T0 + 12_000 });
    expect(findKnee(secs.slice(0, 10)).brokeAt).toBeNull();
  });

  it('counts errors as breaking too', () => {
    const secs = Array.from({ length: 10 }, (_, i) => sec(i, 20, 10 * (i + 1), i >= 4 ? 5 : 0));
    expect(findKnee(secs)).toEqual({ kneeRate: 40, brokeAt: T0 + 4000 });
  });

  it('measures the spike recovery time from the end of the spike until p95 holds for 5 s', () => {
    const end = T0 + 10_000;
    const secs = Array.from({ length: 30 }, (_, i) => sec(i, i >= 5 && i < 14 ? 600 : 40));
    expect(recoveryAfter(secs, end)).toBe(4);
    expect(
      recoveryAfter(
        secs.map((s) => ({ ...s, p95: 600 })),
        end,
      ),
    ).toBeNull();
  });

  it('finds where a spike ends from the stages', () => {
    const s = parseScenario({
      name: 'spike',
      executor: 'ramping-arrival-rate',
      startRate: 10,
      stages: [
        { target: 10, duration: '10s' },
        { target: 50, duration: '1s' },
        { target: 50, duration: '30s' },
        { target: 10, duration: '1s' },
        { target: 10, duration: '20s' },
      ],
      flows: [{ name: 'f', steps: [{ path: '/' }] }],
    });
    expect(spikeEndOffset(s)).toBe(42_000);
  });
});
