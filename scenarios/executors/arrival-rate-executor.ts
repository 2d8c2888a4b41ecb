import type { RateSchedule } from './rate-schedule.ts';

export interface ArrivalRateOptions {
  schedule: RateSchedule;
  /** Most iterations in flight at once (VU slots). */
  maxVUs: number;
  /** An arrival still waiting for a slot after this long is dropped. */
  maxLatenessMs: number;
  signal: AbortSignal;
  /** performance.now() at which the schedule starts. */
  t0: number;
  /** Runs one iteration on VU slot `vu`; intendedStart is in performance.now() ms. */
  iterate(vu: number, iter: number, intendedStart: number, late: boolean): Promise<void>;
  /** An arrival that was never started. */
  dropped(intendedStart: number): void;
  /** The scheduler itself issued an arrival this much after its time (generator lag). */
  schedulerLag?(lagMs: number): void;
}

export interface ArrivalRateStats {
  due: number;
  started: number;
  late: number;
  dropped: number;
  inFlight: number;
  maxInFlight: number;
}

/**
 * Open model (wrk2 / k6 arrival-rate): arrivals follow the timetable whatever
 * the server does. When no VU slot is free, the arrival waits in a FIFO queue
 * (it is "late"; its latency still counts from its intended time) and is
 * dropped once it has waited maxLateness or when the run ends. Nothing vanishes:
 * due = started + dropped + still queued.
 */
export function runArrivalRate(o: ArrivalRateOptions): { done: Promise<void>; stats: ArrivalRateStats } {
  const stats: ArrivalRateStats = { due: 0, started: 0, late: 0, dropped: 0, inFlight: 0, maxInFlight: 0 };
  const freeVus: number[] = [];
  for (let i = o.maxVUs - 1; i >= 0; i--) freeVus.push(i);
  const queue: number[] = []; // intended start times (perf ms), FIFO
  let qHead = 0;
  let next = 0;
  const inflight = new Set<Promise<void>>();

  const start = (intended: number, late: boolean) => {
    const vu = freeVus.pop() as number;
    const iter = stats.started++;
    if (late) stats.late += 1;
    stats.inFlight += 1;
    if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    const p: Promise<void> = o.iterate(vu, iter, intended, late).catch(() => undefined).finally(() => {
      stats.inFlight -= 1;
      freeVus.push(vu);
      inflight.delete(p);
      drainQueue();
    });
    inflight.add(p);
  };

  const drainQueue = () => {
    const now = performance.now();
    while (qHead < queue.length) {
      const intended = queue[qHead] as number;
      if (now - intended > o.maxLatenessMs) {
        qHead += 1;
        stats.dropped += 1;
        o.dropped(intended);
        continue;
      }
      if (freeVus.length === 0 || o.signal.aborted) break;
      qHead += 1;
      start(intended, true);
    }
    if (qHead > 4096 && qHead * 2 > queue.length) {
      queue.splice(0, qHead);
      qHead = 0;
    }
  };

  const done = new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      o.signal.removeEventListener('abort', finish);
      // Arrivals still waiting when the run ends were never sent: dropped, not forgotten.
      while (qHead < queue.length) {
        stats.dropped += 1;
        o.dropped(queue[qHead++] as number);
      }
      void Promise.allSettled([...inflight]).then(() => resolve());
    };
    o.signal.addEventListener('abort', finish, { once: true });
    const tick = () => {
      timer = undefined;
      if (o.signal.aborted) return;
      const now = performance.now();
      const dueNow = o.schedule.countAt(now - o.t0);
      while (next < dueNow) {
        const intended = o.t0 + o.schedule.timeOf(next);
        next += 1;
        stats.due += 1;
        const lag = now - intended;
        if (lag > 0 && o.schedulerLag) o.schedulerLag(lag);
        if (freeVus.length > 0 && qHead === queue.length) start(intended, false);
        else queue.push(intended);
      }
      drainQueue();
      if (next >= o.schedule.total) {
        // Give queued arrivals until their lateness runs out, then finish.
        const waitQueue = () => {
          drainQueue();
          if (qHead < queue.length && !o.signal.aborted) timer = setTimeout(waitQueue, 5);
          else finish();
        };
        waitQueue();
        return;
      }
      const nextAt = o.t0 + o.schedule.timeOf(next);
      timer = setTimeout(tick, Math.max(0, Math.min(50, nextAt - performance.now() - 0.5)));
    };
    tick();
  });
  return { done, stats };
}
