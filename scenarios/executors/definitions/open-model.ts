import { parseDuration } from '../../../common/index.ts';
import { dur, msText, rateFactor } from '../../k6/units.ts';
import { runArrivalRate } from '../arrival-rate-executor.ts';
import type { K6Context } from '../definition.ts';
import type { RateSchedule } from '../rate-schedule.ts';
import type { ExecutorHooks, RunningExecutor } from '../start.ts';

/** The expected latency the default connection cap is sized for: rate × 1 s covers a target answering within a second. */
const EXPECTED_LATENCY_S = 1;
const MIN_CONNECTIONS = 100;
const MAX_DEFAULT_CONNECTIONS = 10_000;

/** The default cap on connections (= VU slots) of an open model: enough for its peak rate × 1 s of latency. */
export function defaultCapForRate(peakRatePerSecond: number): number {
  return Math.min(
    MAX_DEFAULT_CONNECTIONS,
    Math.max(MIN_CONNECTIONS, Math.ceil(peakRatePerSecond * EXPECTED_LATENCY_S)),
  );
}

/** The fields every open-model executor has besides its schedule. */
export interface OpenModelFields {
  timeUnit: string | number;
  preAllocatedVUs?: number | undefined;
  maxVUs?: number | undefined;
  connections?: number | undefined;
}

/** Arrivals per second for `rate` arrivals per timeUnit. */
export const perSecond = (rate: number, c: OpenModelFields) => (rate * 1000) / Math.max(1, parseDuration(c.timeUnit));

/** Like k6's maxVUs: iterations in flight grow on demand up to this cap (by default sized for the peak rate). */
export function openPeakVus(c: OpenModelFields, peakRatePerSecond: number): number {
  return c.maxVUs ?? Math.max(c.preAllocatedVUs ?? 0, c.connections ?? 0, defaultCapForRate(peakRatePerSecond));
}

/** Starts arrivals on the schedule, each on a free VU slot (waiting, late, or dropped after maxLateness). */
export function startOpen(schedule: RateSchedule, h: ExecutorHooks): RunningExecutor {
  const r = runArrivalRate({
    schedule,
    maxVUs: h.maxVUs,
    maxLatenessMs: h.maxLatenessMs,
    signal: h.signal,
    t0: h.t0,
    iterate: (vu, iter, intended, late) => h.iterate(vu, iter, intended, late),
    dropped: h.dropped,
    schedulerLag: h.schedulerLag,
  });
  return {
    done: r.done,
    durationMs: schedule.durationMs,
    targetRate: Math.round(((schedule.total * 1000) / Math.max(1, schedule.durationMs)) * 100) / 100,
    targetRateAt: (t) => schedule.rateAt(t),
    vus: () => r.stats.inFlight,
    stats: () => ({
      started: r.stats.started,
      due: r.stats.due,
      peak: r.stats.maxInFlight,
      late: r.stats.late,
      droppedAtCap: r.stats.droppedAtCap,
      lastStartAt: r.stats.lastStartAt,
    }),
  };
}

/** What the k6 form of an open model shares: its VUs, a timeUnit whole rates fit, and the note when none does. */
export function openK6(c: OpenModelFields, ctx: K6Context, rates: number[]) {
  const notes: string[] = [];
  const maxVUs = c.maxVUs ?? Math.max(c.preAllocatedVUs ?? 0, c.connections ?? 0, 100);
  const vus = { preAllocatedVUs: c.preAllocatedVUs ?? Math.min(maxVUs, 50), maxVUs };
  const { factor, exact } = rateFactor(rates);
  if (!exact)
    notes.push(
      `${ctx.name}: rates ${rates.join(', ')} have no whole count per timeUnit up to 1000 × ${dur(c.timeUnit)}; rounded to whole iterations per ${factor} × ${dur(c.timeUnit)}`,
    );
  const timeUnit = factor === 1 ? dur(c.timeUnit) : msText(parseDuration(c.timeUnit) * factor);
  const whole = (r: number) => Math.round(r * factor);
  return { notes, vus, timeUnit, whole };
}
