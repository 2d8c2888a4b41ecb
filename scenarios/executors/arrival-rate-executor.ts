import type { RateSchedule } from './rate-schedule.ts';

export interface ArrivalRateOptions {
  schedule: RateSchedule;
  /** Most iterations in flight at once (VU slots: one connection each). */
  maxVUs: number;
  /** An arrival still waiting for a slot after this long is dropped. */
  maxLatenessMs: number;
  signal: AbortSignal;
  /** performance.now() at which the schedule starts. */
  t0: number;
  /** Runs one iteration on VU slot `vu`; intendedStart is in performance.now() ms. */
  iterate(vu: number, iter: number, intendedStart: number, late: boolean): Promise<void>;
  /** An arrival that was never started; `waitedMs` is how long it waited for a slot. */
  dropped(intendedStart: number, waitedMs: number): void;
  /** The scheduler itself issued an arrival this much after its time (generator lag), ms. */
  schedulerLag?(lagMs: number): void;
}

export interface ArrivalRateStats {
  due: number;
  started: number;
  late: number;
  dropped: number;
  /** Of the dropped: those that waited maxLateness (the rest were still queued when the run ended). */
  droppedAtCap: number;
  inFlight: number;
  maxInFlight: number;
  /** performance.now() of the last start (NaN before the first). */
  lastStartAt: number;
}

/**
 * Open model (wrk2 / k6 arrival-rate): arrivals follow the timetable whatever
 * the server does. When no VU slot is free, the arrival waits in a FIFO queue
 * (it is "late"; its latency still counts from its intended time) and is
 * dropped once it has waited maxLateness or when the run ends. Nothing vanishes:
 * due = started + dropped + still queued.
 *
 * Timing: a timer wakes the scheduler at the next arrival's time, and every
 * finished iteration also issues whatever is due. On a busy event loop (a burst
 * of responses after a stall) timers fire late, but completions keep coming, so
 * arrivals go out between responses instead of after the whole burst.
 */
export function runArrivalRate(o: ArrivalRateOptions): { done: Promise<void>; stats: ArrivalRateStats } {
  const stats: ArrivalRateStats = { due: 0, started: 0, late: 0, dropped: 0, droppedAtCap: 0, inFlight: 0, maxInFlight: 0, lastStartAt: Number.NaN };
  const freeVus: number[] = [];
  for (let i = o.maxVUs - 1; i >= 0; i--) freeVus.push(i);
  const queue: number[] = []; // intended start times (perf ms), FIFO
  let qHead = 0;
  let next = 0;
  let nextAt = o.t0 + (o.schedule.total > 0 ? o.schedule.timeOf(0) : 0);
  let issuedAll = o.schedule.total === 0;
  const inflight = new Set<Promise<void>>();

  const finished = (vu: number, p: Promise<void>) => {
    stats.inFlight -= 1;
    freeVus.push(vu);
    inflight.delete(p);
    pump();
  };

  const start = (intended: number, late: boolean, now: number) => {
    const vu = freeVus.pop() as number;
    const iter = stats.started++;
    stats.lastStartAt = now;
    if (late) stats.late += 1;
    stats.inFlight += 1;
    if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    const p: Promise<void> = o.iterate(vu, iter, intended, late).then(() => finished(vu, p), () => finished(vu, p));
    inflight.add(p);
  };

  const drainQueue = (now: number) => {
    while (qHead < queue.length) {
      const intended = queue[qHead] as number;
      if (now - intended > o.maxLatenessMs) {
        qHead += 1;
        stats.dropped += 1;
        stats.droppedAtCap += 1;
        o.dropped(intended, now - intended);
        continue;
      }
      if (freeVus.length === 0 || o.signal.aborted) break;
      qHead += 1;
      start(intended, true, now);
    }
    if (qHead > 4096 && qHead * 2 > queue.length) {
      queue.splice(0, qHead);
      qHead = 0;
    }
  };

  /** Issues every arrival due by now (from the timer or from a finished iteration). */
  const pump = () => {
    if (o.signal.aborted) return;
    const now = performance.now();
    if (qHead < queue.length) drainQueue(now);
    while (!issuedAll && nextAt <= now) {
      const intended = nextAt;
      next += 1;
      stats.due += 1;
      if (next >= o.schedule.total) issuedAll = true;
      else nextAt = o.t0 + o.schedule.timeOf(next);
      o.schedulerLag?.(now - intended);
      if (freeVus.length > 0 && qHead === queue.length) start(intended, false, now);
      else queue.push(intended);
    }
  };

  const done = new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      if (timer) clearTimeout(timer);
      o.signal.removeEventListener('abort', finish);
      // Arrivals still waiting when the run ends were never sent: dropped, not forgotten.
      const now = performance.now();
      while (qHead < queue.length) {
        const intended = queue[qHead++] as number;
        stats.dropped += 1;
        o.dropped(intended, now - intended);
      }
      void Promise.allSettled([...inflight]).then(() => resolve());
    };
    o.signal.addEventListener('abort', finish, { once: true });
    const tick = () => {
      timer = undefined;
      if (o.signal.aborted) return;
      pump();
      if (issuedAll) {
        // Give queued arrivals until their lateness runs out, then finish.
        const waitQueue = () => {
          drainQueue(performance.now());
          if (qHead < queue.length && !o.signal.aborted) timer = setTimeout(waitQueue, 5);
          else finish();
        };
        waitQueue();
        return;
      }
      // Node timers have 1 ms granularity and fire at or after their time: one wake-up per due time, no early
      // wake-up that finds nothing due (at 1,000/s that would double the timers).
      timer = setTimeout(tick, Math.max(0, Math.min(50, Math.floor(nextAt - performance.now()))));
    };
    tick();
  });
  return { done, stats };
}
