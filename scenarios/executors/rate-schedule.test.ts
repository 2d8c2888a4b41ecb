import { describe, expect, it } from 'vitest';
import { RateSchedule } from './rate-schedule.ts';
import { stagesFunction } from './vu-executor.ts';

describe('the arrival timetable', () => {
  it('spaces a constant rate evenly, the first arrival at t = 0', () => {
    const s = RateSchedule.constant(1000, '1s', '3s');
    expect(s.total).toBe(3000);
    expect(s.timeOf(0)).toBe(0);
    expect(s.timeOf(1)).toBeCloseTo(1, 6);
    expect(s.timeOf(2999)).toBeCloseTo(2999, 6);
    expect(s.countAt(0)).toBe(1);
    expect(s.countAt(1500)).toBe(1501);
    expect(s.countAt(10_000)).toBe(3000);
  });

  it('integrates a ramp exactly (0 → 100/s over 10 s is 500 arrivals, denser at the end)', () => {
    const s = RateSchedule.ramping(0, '1s', [{ target: 100, duration: '10s' }]);
    expect(s.total).toBe(500);
    const times = Array.from({ length: s.total }, (_, i) => s.timeOf(i));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    // Half the arrivals come in the last ~29 % of the ramp (t² law).
    expect(s.timeOf(250)).toBeCloseTo(10_000 * Math.SQRT1_2, -1);
    expect(s.rateAt(5000)).toBeCloseTo(50, 6);
  });

  it('handles timeUnit and several stages (k6 semantics)', () => {
    const s = RateSchedule.ramping(60, '1m', [
      { target: 60, duration: '30s' },
      { target: 120, duration: '30s' },
      { target: 0, duration: '10s' },
    ]);
    // 30 s at 1/s + 30 s ramping 1→2/s + 10 s ramping 2→0/s = 30 + 45 + 10
    expect(s.total).toBe(85);
    expect(s.countAt(30_000)).toBe(31);
  });

  it('interpolates VU stages linearly', () => {
    const f = stagesFunction(0, [
      { target: 100, duration: '10s' },
      { target: 100, duration: '5s' },
      { target: 0, duration: '5s' },
    ]);
    expect(f.durationMs).toBe(20_000);
    expect(f.at(5000)).toBe(50);
    expect(f.at(12_000)).toBe(100);
    expect(f.at(17_500)).toBe(50);
  });
});
