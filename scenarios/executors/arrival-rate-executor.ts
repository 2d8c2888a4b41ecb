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
 * finished iteration also issues whatever is due; each wake-up also sends the
 * arrivals due within SEND_AHEAD_MS, so a high rate costs a wake-up per few
 * arrivals rather than one each. On a busy event loop (a burst
 * of responses after a stall) timers fire late, but completions keep coming, so
 * arrivals go out between responses instead of after the whole burst.
 */
export function runArrivalRate(o: ArrivalRateOptions): { done: Promise<void>; stats: ArrivalRateStats } {
  const stats: ArrivalRateStats = {
    due: 0,
    started: 0,
    late: 0,
    dropped: 0,
    droppedAtCap: 0,
    inFlight: 0,
    maxInFlight: 0,
    lastStartAt: Number.NaN,
  };
  const slots = new SlotPool(o.maxVUs);
  const queue: number[] = []; // intended start times (perf ms), FIFO
  let qHead = 0;
  let next = 0;
  let nextAt = o.t0 + (o.schedule.total > 0 ? o.schedule.timeOf(0) : 0);
  let issuedAll = o.schedule.total === 0;
  const inflight = new Set<Promise<void>>();

  const finished = (vu: number, p: Promise<void>) => {
    stats.inFlight -= 1;
    slots.release(vu, performance.now());
    inflight.delete(p);
    pump();
  };

  const start = (intended: number, late: boolean, now: number) => {
    const vu = slots.take(now);
    const iter = stats.started++;
    stats.lastStartAt = now;
    if (late) stats.late += 1;
    stats.inFlight += 1;
    if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    const p: Promise<void> = o.iterate(vu, iter, intended, late).then(
      () => finished(vu, p),
      () => finished(vu, p),
    );
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
      if (!slots.hasFree() || o.signal.aborted) break;
      qHead += 1;
      // Late when it went out after its time (one sent ahead of its time that waited a moment for a slot is not).
      start(intended, now > intended, now);
    }
    if (qHead > 4096 && qHead * 2 > queue.length) {
      queue.splice(0, qHead);
      qHead = 0;
    }
  };

  /**
   * Issues every arrival due by now, and those due within the next SEND_AHEAD_MS (from the timer or from a
   * finished iteration): a wake-up sends a few arrivals instead of one, which costs a fraction of the CPU.
   */
  const pump = () => {
    if (o.signal.aborted) return;
    const now = performance.now();
    if (qHead < queue.length) drainQueue(now);
    while (!issuedAll && nextAt <= now + SEND_AHEAD_MS) {
      const intended = nextAt;
      next += 1;
      stats.due += 1;
      if (next >= o.schedule.total) issuedAll = true;
      else nextAt = o.t0 + o.schedule.timeOf(next);
      o.schedulerLag?.(Math.max(0, now - intended));
      if (qHead === queue.length && slots.hasFree()) start(intended, false, now);
      else queue.push(intended);
    }
  };

  const done = new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let rearm: NodeJS.Timeout | undefined;
    let rearmDelay = 0;
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
      // Node timers have 1 ms granularity and fire at or after their time: wake when the next arrival is due
      // (it and those within SEND_AHEAD_MS after it go out together). At a steady rate the delay repeats:
      // the same timer is re-armed rather than a new one made per wake-up.
      const delay = Math.max(1, Math.min(50, Math.floor(nextAt - performance.now())));
      if (rearm && rearmDelay === delay) {
        timer = rearm.refresh();
      } else {
        rearm = setTimeout(tick, delay);
        rearmDelay = delay;
        timer = rearm;
      }
    };
    tick();
  });
  return { done, stats };
}

/**
 * How far ahead of its time an arrival may be sent, ms. At 1,000/s a wake-up per arrival cost more CPU than
 * the request itself (~50 µs each on a busy 2-core machine); sending those due in the next few ms with the one
 * due now makes it one wake-up per ~5 arrivals. Latency is measured from the actual send when that is earlier
 * than the intended time, so an early send never flatters it; the rate over any second is unchanged.
 */
export const SEND_AHEAD_MS = 4;

/** A free slot idle longer than this has probably lost its keep-alive connection (servers close idle ones after ~5 s). */
const WARM_MS = 2000;

/**
 * VU slots, each with its own connection, opened on first use up to `max`. A free slot is taken oldest-first
 * (FIFO) while it is warm, so the connections a burst opened all stay in use and alive instead of idling
 * until the server closes them and the next burst opens them again (connect and close were a fifth of the
 * generator's CPU at 1,000/s on a busy machine). A slot idle past WARM_MS goes to a cold stack, used (most
 * recently cooled first) only when no warm slot is free and before a never-used one: at a low rate the few
 * slots in use stay warm rather than each request finding a connection the server has closed.
 */
export class SlotPool {
  private readonly warm: number[] = [];
  private readonly releasedAt: number[] = [];
  private head = 0;
  private readonly cold: number[] = [];
  private opened = 0;

  constructor(private readonly max: number) {}

  hasFree(): boolean {
    return this.head < this.warm.length || this.cold.length > 0 || this.opened < this.max;
  }

  /** A free slot (call only when hasFree()). */
  take(now: number): number {
    while (this.head < this.warm.length) {
      const vu = this.warm[this.head] as number;
      const idle = now - (this.releasedAt[this.head] as number);
      this.head += 1;
      if (this.head > 1024 && this.head * 2 > this.warm.length) this.compact();
      if (idle <= WARM_MS) return vu;
      this.cold.push(vu);
    }
    if (this.cold.length > 0) return this.cold.pop() as number;
    return this.opened++;
  }

  release(vu: number, now: number): void {
    this.warm.push(vu);
    this.releasedAt.push(now);
  }

  private compact(): void {
    this.warm.splice(0, this.head);
    this.releasedAt.splice(0, this.head);
    this.head = 0;
  }
}
