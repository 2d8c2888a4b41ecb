import { parseDuration } from '../../common/index.ts';
import type { Stage } from '../schema/executors.ts';

export interface VuExecutorOptions {
  /** Desired VUs at ms t from the start. */
  vusAt(t: number): number;
  durationMs: number;
  /** per-vu-iterations: iterations each VU runs, then stops. */
  iterationsPerVu?: number;
  /** shared-iterations: iterations all VUs take from one pool; a VU stops when the pool is empty. */
  sharedIterations?: number;
  signal: AbortSignal;
  iterate(vu: number, iter: number): Promise<void>;
}

export interface VuStats {
  active: number;
  maxActive: number;
  iterations: number;
  /** performance.now() of the last iteration start (NaN before the first). */
  lastStartAt: number;
}

/**
 * Closed model (k6 constant-vus / ramping-vus / per-vu-iterations / shared-iterations): each VU
 * loops over iterations; a controller adds VUs on ramp-up, and on ramp-down a
 * VU above the target finishes its iteration and leaves.
 */
export function runVus(o: VuExecutorOptions): { done: Promise<void>; stats: VuStats } {
  const stats: VuStats = { active: 0, maxActive: 0, iterations: 0, lastStartAt: Number.NaN };
  const t0 = performance.now();
  const loops = new Map<number, Promise<void>>();
  let desired = 0;
  let ended = false;
  const startedOnce = new Set<number>();
  let pool = o.sharedIterations ?? Infinity;
  const fixedWork = o.iterationsPerVu !== undefined || o.sharedIterations !== undefined;

  const loop = async (vu: number) => {
    await Promise.resolve(); // registered in `loops` before it can finish
    stats.active += 1;
    if (stats.active > stats.maxActive) stats.maxActive = stats.active;
    try {
      let iter = 0;
      while (!ended && !o.signal.aborted && vu < desired && pool > 0) {
        pool -= 1;
        stats.iterations += 1;
        stats.lastStartAt = performance.now();
        try {
          await o.iterate(vu, iter);
        } catch {
          // An iteration's failures are counted where they happen; the VU goes on (no promise per iteration for a catch).
        }
        iter += 1;
        if (o.iterationsPerVu !== undefined && iter >= o.iterationsPerVu) break;
        // An iteration that finishes synchronously (nothing to send) must not starve the event loop.
        if (iter % 64 === 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      stats.active -= 1;
      loops.delete(vu);
    }
  };

  const adjust = () => {
    desired = Math.max(0, Math.round(o.vusAt(performance.now() - t0)));
    for (let vu = 0; vu < desired; vu++) {
      if (loops.has(vu) || (fixedWork && startedOnce.has(vu))) continue;
      startedOnce.add(vu);
      loops.set(vu, loop(vu));
    }
  };

  const done = new Promise<void>((resolve) => {
    const stop = () => {
      if (ended) return;
      ended = true;
      clearInterval(controller);
      clearTimeout(deadline);
      o.signal.removeEventListener('abort', stop);
      void Promise.allSettled([...loops.values()]).then(() => resolve());
    };
    const controller = setInterval(() => {
      adjust();
      if (fixedWork && loops.size === 0) stop();
    }, 100);
    const deadline = setTimeout(stop, o.durationMs);
    o.signal.addEventListener('abort', stop, { once: true });
    adjust();
    if (fixedWork && loops.size === 0) stop();
  });
  return { done, stats };
}

/** Linear interpolation over k6 stages starting from `start`. */
export function stagesFunction(start: number, stages: Stage[]): { at: (t: number) => number; durationMs: number } {
  const points: Array<{ t: number; v: number }> = [{ t: 0, v: start }];
  let t = 0;
  for (const s of stages) {
    t += parseDuration(s.duration);
    points.push({ t, v: s.target });
  }
  return {
    durationMs: t,
    at(x) {
      for (let i = 1; i < points.length; i++) {
        const a = points[i - 1] as { t: number; v: number };
        const b = points[i] as { t: number; v: number };
        if (x <= b.t) return b.t === a.t ? b.v : a.v + ((b.v - a.v) * (x - a.t)) / (b.t - a.t);
      }
      return (points[points.length - 1] as { v: number }).v;
    },
  };
}
