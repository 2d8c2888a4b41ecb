import { parseDuration } from '../../common/index.ts';
import type { Scenario } from '../schema/scenario.ts';
import { runArrivalRate } from './arrival-rate-executor.ts';
import { RateSchedule } from './rate-schedule.ts';
import { runVus, stagesFunction } from './vu-executor.ts';

export interface ExecutorHooks {
  t0: number;
  maxVUs: number;
  maxLatenessMs: number;
  signal: AbortSignal;
  iterate(vu: number, iter: number, intendedStart: number | null, late: boolean): Promise<void>;
  dropped(intendedStart: number, waitedMs: number): void;
  schedulerLag(ms: number): void;
}

export interface RunningExecutor {
  done: Promise<void>;
  durationMs: number;
  /** Average intended arrival rate (per second) for open-model executors; null for closed ones. */
  targetRate: number | null;
  targetRateAt: ((msFromStart: number) => number) | null;
  vus(): number;
  stats(): ExecutorStats;
}

export interface ExecutorStats {
  started: number;
  due: number;
  peak: number;
  /** Open model: arrivals that waited for a free VU/connection, and those dropped after waiting maxLateness. */
  late: number;
  droppedAtCap: number;
  /** performance.now() of the last iteration start (NaN if none). */
  lastStartAt: number;
}

/** Starts the executor a scenario names (the discriminated union's one switch). */
export function startExecutor(s: Scenario, h: ExecutorHooks): RunningExecutor {
  switch (s.executor) {
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': {
      const schedule =
        s.executor === 'constant-arrival-rate'
          ? RateSchedule.constant(s.rate, s.timeUnit, s.duration)
          : RateSchedule.ramping(s.startRate, s.timeUnit, s.stages);
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
    case 'constant-vus':
    case 'ramping-vus':
    case 'per-vu-iterations':
    case 'shared-iterations': {
      let vusAt: (t: number) => number;
      let durationMs: number;
      let iterationsPerVu: number | undefined;
      let sharedIterations: number | undefined;
      if (s.executor === 'constant-vus') {
        durationMs = parseDuration(s.duration);
        vusAt = () => s.vus;
      } else if (s.executor === 'ramping-vus') {
        const f = stagesFunction(s.startVUs, s.stages);
        durationMs = f.durationMs;
        vusAt = f.at;
      } else {
        durationMs = parseDuration(s.maxDuration);
        vusAt = () => s.vus;
        if (s.executor === 'per-vu-iterations') iterationsPerVu = s.iterations;
        else sharedIterations = s.iterations;
      }
      const r = runVus({
        vusAt,
        durationMs,
        signal: h.signal,
        iterate: (vu, iter) => h.iterate(vu, iter, null, false),
        ...(iterationsPerVu !== undefined ? { iterationsPerVu } : {}),
        ...(sharedIterations !== undefined ? { sharedIterations } : {}),
      });
      return {
        done: r.done,
        durationMs,
        targetRate: null,
        targetRateAt: null,
        vus: () => r.stats.active,
        stats: () => ({
          started: r.stats.iterations,
          due: 0,
          peak: r.stats.maxActive,
          late: 0,
          droppedAtCap: 0,
          lastStartAt: r.stats.lastStartAt,
        }),
      };
    }
  }
}
