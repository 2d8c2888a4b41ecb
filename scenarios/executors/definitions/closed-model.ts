import { runVus } from '../vu-executor.ts';
import type { ExecutorHooks, RunningExecutor } from '../start.ts';

export interface ClosedPlan {
  /** VUs wanted at ms from the start. */
  vusAt: (t: number) => number;
  durationMs: number;
  /** per-vu-iterations: iterations each VU runs, then stops. */
  iterationsPerVu?: number;
  /** shared-iterations: iterations all VUs take from one pool. */
  sharedIterations?: number;
}

/** Starts VUs that loop over the flows (each waits for its last iteration, think time between requests). */
export function startClosed(p: ClosedPlan, h: ExecutorHooks): RunningExecutor {
  const r = runVus({
    vusAt: p.vusAt,
    durationMs: p.durationMs,
    signal: h.signal,
    iterate: (vu, iter) => h.iterate(vu, iter, null, false),
    ...(p.iterationsPerVu !== undefined ? { iterationsPerVu: p.iterationsPerVu } : {}),
    ...(p.sharedIterations !== undefined ? { sharedIterations: p.sharedIterations } : {}),
  });
  return {
    done: r.done,
    durationMs: p.durationMs,
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
