import { parseDuration } from '../../common/index.ts';
import type { Stage } from '../schema/executors.ts';

interface Segment {
  start: number;
  duration: number;
  /** Rates in arrivals per ms at the segment's start and end (linear in between). */
  r0: number;
  r1: number;
  /** Arrivals before the segment starts. */
  before: number;
}

/**
 * The open model's timetable: arrival n (0-based) is due when the integral of
 * the rate reaches n (the first at t = 0, as in k6). Rates are piecewise linear (k6's ramping-arrival-rate
 * stages), so each arrival's intended time is computed exactly (a quadratic),
 * independent of how the generator or the server behaved.
 */
export class RateSchedule {
  private readonly segments: Segment[] = [];
  readonly durationMs: number;
  readonly total: number;

  constructor(startRate: number, stages: Array<{ target: number; durationMs: number }>, timeUnitMs: number) {
    let t = 0;
    let before = 0;
    let rate = startRate / timeUnitMs;
    for (const st of stages) {
      const r1 = st.target / timeUnitMs;
      this.segments.push({ start: t, duration: st.durationMs, r0: rate, r1, before });
      before += ((rate + r1) / 2) * st.durationMs;
      t += st.durationMs;
      rate = r1;
    }
    this.durationMs = t;
    this.total = Math.ceil(before - 1e-9);
  }

  static constant(rate: number, timeUnit: string | number, duration: string | number): RateSchedule {
    const d = parseDuration(duration);
    return new RateSchedule(rate, [{ target: rate, durationMs: d }], parseDuration(timeUnit));
  }

  static ramping(startRate: number, timeUnit: string | number, stages: Stage[]): RateSchedule {
    return new RateSchedule(
      startRate,
      stages.map((s) => ({ target: s.target, durationMs: parseDuration(s.duration) })),
      parseDuration(timeUnit),
    );
  }

  /** Arrivals due by time t (ms from start). */
  countAt(t: number): number {
    if (t >= this.durationMs) return this.total;
    for (const s of this.segments) {
      if (t < s.start + s.duration) {
        const x = t - s.start;
        const slope = (s.r1 - s.r0) / s.duration;
        return Math.min(this.total, Math.floor(s.before + s.r0 * x + (slope * x * x) / 2 + 1e-9) + 1);
      }
    }
    return this.total;
  }

  /** Intended time (ms from start) of arrival n (0-based): when the cumulative count reaches n. */
  timeOf(n: number): number {
    const target = n;
    for (const s of this.segments) {
      const after = s.before + ((s.r0 + s.r1) / 2) * s.duration;
      if (target < after - 1e-9 || (target <= after + 1e-9 && s === this.segments[this.segments.length - 1])) {
        const need = target - s.before;
        const slope = (s.r1 - s.r0) / s.duration;
        if (Math.abs(slope) < 1e-15) return s.start + (s.r0 > 0 ? need / s.r0 : 0);
        // slope/2 x² + r0 x - need = 0
        const disc = s.r0 * s.r0 + 2 * slope * need;
        const x = (-s.r0 + Math.sqrt(Math.max(0, disc))) / slope;
        return s.start + Math.min(s.duration, Math.max(0, x));
      }
    }
    return this.durationMs;
  }

  /** Intended rate (per second) at time t, for the engine series. */
  rateAt(t: number): number {
    for (const s of this.segments) {
      if (t < s.start + s.duration) return (s.r0 + ((s.r1 - s.r0) * (t - s.start)) / s.duration) * 1000;
    }
    return 0;
  }
}
