import { createLatencyHistogram, recordMs, summarize, type LatencyHistogram } from '../reports/index.ts';

/**
 * How often the event loop's lag is sampled, ms. One timer (the two 5 ms monitorEventLoopDelay timers this
 * replaced woke the generator 400 times a second at 1,000 req/s), still every 5 ms: the lag p99 is a share of
 * samples, so sampling half as often doubles the weight of each stall, and the INVALID threshold
 * (maxLoopLagP99Ms) was set against 5 ms samples (at 10 ms, one 30 ms stall a second read as p99 ≈ 21 ms, over
 * the default 20 ms, where 5 ms samples read ≈ 4 ms).
 */
const RESOLUTION_MS = 5;

/**
 * The generator watching itself: event-loop lag (perf_hooks) and CPU
 * (process.cpuUsage) per interval and over the whole run. A loaded loop means
 * requests left late because of us, not because of the target.
 */
export class SelfCheck {
  /** Loop lag samples (µs): since the last sample() call, and over the whole run. */
  private readonly interval: LatencyHistogram = createLatencyHistogram();
  private readonly whole: LatencyHistogram = createLatencyHistogram();
  private sampler: NodeJS.Timeout | undefined;
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private readonly startCpu = process.cpuUsage();
  private readonly startAt = performance.now();
  /** Most lag the scheduler saw issuing an arrival after its time (ms). */
  schedulerLagMaxMs = 0;
  /** Arrivals the scheduler issued more than 10 ms after their time (our fault, not the target's). */
  schedulerLate = 0;

  start(): void {
    let expected = performance.now() + RESOLUTION_MS;
    this.sampler = setInterval(() => {
      const now = performance.now();
      // How much later than asked the timer fired: the time the loop was busy with something else.
      const lag = Math.max(0, now - expected);
      expected = now + RESOLUTION_MS;
      recordMs(this.interval, lag);
      recordMs(this.whole, lag);
    }, RESOLUTION_MS);
    this.sampler.unref();
  }

  /** Lag p99 (ms, beyond the sampling resolution) and CPU (fraction of one core) since the last call. */
  sample(): { loopLagP99Ms: number; cpu: number } {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const wall = Math.max(1, now - this.lastAt);
    const lag = this.interval.totalCount > 0 ? lagMs(this.interval, 99) : 0;
    this.interval.reset();
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    return { loopLagP99Ms: round(lag), cpu: round((cpu.user + cpu.system) / 1000 / wall) };
  }

  /** Every arrival's lateness (µs HdrHistogram): how far after its intended time the scheduler issued it. */
  private readonly lateness = createLatencyHistogram();

  noteSchedulerLag(ms: number): void {
    recordMs(this.lateness, ms);
    if (ms > this.schedulerLagMaxMs) this.schedulerLagMaxMs = ms;
    if (ms > 10) this.schedulerLate += 1;
  }

  /** The lateness distribution in words ("p50 0.4 ms, p99 1.2 ms, max 9 ms over 10000 arrivals"). */
  schedulerLateness(): string {
    const l = summarize(this.lateness);
    return l.count === 0
      ? 'no arrivals'
      : `p50 ${l.p50} ms, p99 ${l.p99} ms, p99.9 ${l.p999} ms, max ${l.max} ms over ${l.count} arrivals, ${this.schedulerLate} more than 10 ms late`;
  }

  /** Lateness percentiles in ms (for benchmarks). */
  schedulerLatenessMs(): { p50: number; p99: number; p999: number; max: number; count: number } {
    const l = summarize(this.lateness);
    return { p50: l.p50, p99: l.p99, p999: l.p999, max: l.max, count: l.count };
  }

  stop(): { loopLagP99Ms: number; loopLagMaxMs: number; cpu: number } {
    const cpu = process.cpuUsage(this.startCpu);
    const wall = Math.max(1, performance.now() - this.startAt);
    const out = {
      loopLagP99Ms: this.whole.totalCount > 0 ? round(lagMs(this.whole, 99)) : 0,
      loopLagMaxMs: this.whole.totalCount > 0 ? round(this.whole.maxValue / 1000) : 0,
      cpu: round((cpu.user + cpu.system) / 1000 / wall),
    };
    clearInterval(this.sampler);
    this.sampler = undefined;
    return out;
  }
}

const round = (v: number) => Math.round(v * 1000) / 1000;
/** A lag percentile in ms; samples are recorded with a 1 µs floor, so an idle loop reads 0. */
const lagMs = (h: LatencyHistogram, p: number) => {
  const us = h.getValueAtPercentile(p);
  return us <= 1 ? 0 : Math.min(us, h.maxValue) / 1000;
};

/** Why a run is not trustworthy as a measurement of the target, if it is not. */
export function invalidReasons(input: {
  loopLagP99Ms: number;
  maxLoopLagP99Ms: number;
  cpu: number;
  targetRate: number | null;
  achievedRate: number;
  minRateRatio: number;
  late: number;
  dropped: number;
  schedulerLate: number;
  due: number;
}): string[] {
  const reasons: string[] = [];
  if (input.loopLagP99Ms > input.maxLoopLagP99Ms) {
    reasons.push(
      `generator event-loop lag p99 ${input.loopLagP99Ms.toFixed(1)} ms > ${input.maxLoopLagP99Ms} ms: the load generator was overloaded`,
    );
  }
  if (input.cpu > 0.95) reasons.push(`generator used ${(input.cpu * 100).toFixed(0)} % of a core: it was CPU-bound`);
  if (input.due > 0 && input.schedulerLate / input.due > 0.01) {
    reasons.push(
      `${input.schedulerLate} of ${input.due} arrivals were issued > 10 ms after their time by the generator itself`,
    );
  }
  // A shortfall explained by late/dropped requests is the target's doing (no free connection); otherwise it is ours.
  if (input.targetRate !== null && input.targetRate > 0 && input.late === 0 && input.dropped === 0) {
    const ratio = input.achievedRate / input.targetRate;
    if (ratio < input.minRateRatio) {
      reasons.push(
        `achieved ${input.achievedRate.toFixed(1)}/s of the target ${input.targetRate.toFixed(1)}/s (${(ratio * 100).toFixed(1)} % < ${(input.minRateRatio * 100).toFixed(0)} %)`,
      );
    }
  }
  return reasons;
}
