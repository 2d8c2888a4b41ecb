import type { Scenario } from '../schema/scenario.ts';
import { definitionOf } from './registry.ts';

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

/** Starts the executor a scenario names (its definition in the registry). */
export function startExecutor(s: Scenario, h: ExecutorHooks): RunningExecutor {
  return definitionOf(s).start(s, h);
}
