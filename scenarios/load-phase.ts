/**
 * The load phase of a scenario's run (scenarios/engine.ts): the connections, the executor driving iterations over
 * the scenario's time, the per-second tick (thresholds, engine samples, progress), then the stop.
 */
import { parseDuration } from '../common/index.ts';
import { percentileMs, type RunRecordPart } from '../reports/index.ts';
import { definitionOf, isOpenModel } from './executors/registry.ts';
import { Aggregator } from './metrics/aggregator.ts';
import { BATCH_PER_HOST, runIteration, type IterationEnv } from './flow/iteration.ts';
import { sharedTransport, perVuTransport, type Transport } from './http/transport.ts';
import { newVuState, type VuState } from './flow/redirects-cookies.ts';
import { thinker } from './think-time.ts';
import { SelfCheck } from './self-check.ts';
import { Progress } from './progress.ts';
import { startExecutor, type RunningExecutor } from './executors/start.ts';
import { openModelCapacity } from './capacity.ts';

import { epochNow, type ScenarioRun } from './scenario-run.ts';

/**
 * The connections the load runs on. Open model: VU slots and connections grow on demand up to the cap (k6's
 * maxVUs); with a connection per slot each slot owns its Client (O(1) dispatch, no pool scan), with fewer the slots
 * share a Pool. Closed model: fewer connections than VUs, the VUs share a pool; otherwise each VU owns its
 * connection (cheaper per request than a Pool).
 */
function loadTransport(run: ScenarioRun, open: boolean, maxVUs: number, openConnections: number): Promise<Transport> {
  const { scenario, url, timeoutMs } = run;
  const origin = url.origin;
  if (open)
    return openConnections >= maxVUs
      ? perVuTransport({ origin, timeoutMs })
      : sharedTransport({ origin, timeoutMs, connections: openConnections });
  return 'connections' in scenario &&
    scenario.connections &&
    scenario.connections < definitionOf(scenario).peakVus(scenario)
    ? sharedTransport({ origin, timeoutMs, connections: scenario.connections })
    : perVuTransport({ origin, timeoutMs });
}

/** What the iterations of the load phase count as they run (read by the per-second tick and the outcome). */
interface IterationCounts {
  started: number;
  /** Arrivals whose first request could not be rendered: nothing was sent for them, so they are no part of the achieved rate. */
  unsentArrivals: number;
  failedChecks: Record<string, number>;
  templateErrors: Record<string, number>;
}

/**
 * The executor's `iterate`: one iteration of a picked flow for VU `vu`, on that VU's connection, as one of the
 * users, with the VU's cookie jar (k6's per-VU jar, kept across its iterations); recording into `agg`.
 */
function iterationRunner(
  run: ScenarioRun,
  transport: Transport,
  agg: Aggregator,
  open: boolean,
  stepSignal: AbortSignal,
): {
  iterate: (vu: number, iter: number, intendedStart: number | null, late: boolean) => Promise<void>;
  counts: IterationCounts;
} {
  const { scenario, options, url, runId, interrupt, pick, users } = run;
  const counts: IterationCounts = { started: 0, unsentArrivals: 0, failedChecks: {}, templateErrors: {} };
  const baseEnv: Omit<IterationEnv, 'sender'> = {
    scenario: scenario.name,
    origin: url.origin,
    maxRedirects: scenario.maxRedirects,
    cookies: scenario.cookies === 'vu',
    ownMetrics: scenario.metrics,
    signal: stepSignal,
    requestSignal: interrupt.signal,
    record: (o, at) => agg.record(o, at),
    recordPoint: (metric, type, value, at, tags) => agg.recordPoint(metric, type, value, at, tags),
    recordTimings: (tag, group, t) => agg.recordTimings(tag, group, t),
    onResponse: options.onResponse,
    think: open ? undefined : thinker(scenario.thinkTime, stepSignal),
    onCheckFailed: (tag, name) => {
      const k = `${tag}: ${name}`;
      counts.failedChecks[k] = (counts.failedChecks[k] ?? 0) + 1;
    },
    onTemplateError: (tag, message, unsent) => {
      const k = `${tag}: ${message}`;
      counts.templateErrors[k] = (counts.templateErrors[k] ?? 0) + 1;
      if (unsent) counts.unsentArrivals += 1;
    },
  };
  const envs = new WeakMap<object, IterationEnv>();
  const vuStates = new Map<number, VuState>();
  const iterate = (vu: number, iter: number, intendedStart: number | null, late: boolean) => {
    counts.started += 1;
    // Closed model: a VU is a user. Open model: VU slots (connections) are reused, so users take turns by
    // arrival, spreading the load (and per-user rate limits) over all of them.
    const user = users.length > 0 ? users[(open ? iter : vu) % users.length] : undefined;
    const ctx: Record<string, unknown> = { vu, iter, runId, user, users };
    const sender = transport.senderFor(vu);
    let env = envs.get(sender);
    if (!env) {
      // A batch's further lanes: more connections of this VU, keyed apart from every VU's own (negative).
      env = { ...baseEnv, sender, laneSender: (lane) => transport.senderFor(-(vu * BATCH_PER_HOST + lane)) };
      envs.set(sender, env);
    }
    let vuState = vuStates.get(vu);
    if (!vuState && scenario.cookies === 'vu') {
      vuState = newVuState();
      vuStates.set(vu, vuState);
    }
    return runIteration(pick(), ctx, env, intendedStart, late, vuState ?? null);
  };
  return { iterate, counts };
}

/**
 * Every 250 ms: close buckets and check thresholds (abortOnFail cancels the run); once a second also sample the
 * engine (rate asked, iterations started, VUs, event-loop lag, CPU) and draw progress.
 */
function loadTicker(
  run: ScenarioRun,
  live: { agg: Aggregator; self: SelfCheck; exec: RunningExecutor; progress: Progress; counts: IterationCounts },
  startedAt: number,
  t0: number,
): {
  stop: () => void;
  engine: NonNullable<RunRecordPart['engine']>;
  progressState: (elapsed: number) => Parameters<Progress['update']>[0];
} {
  const { scenario, events, cancel } = run;
  const { agg, self, exec, progress, counts } = live;
  let lastStarted = 0;
  let lastBucket = Math.floor(startedAt / 1000) * 1000;
  const engine: NonNullable<RunRecordPart['engine']> = [];
  const progressState = (elapsed: number) => {
    const all = agg.allStats();
    const recent = agg.recent ?? all;
    // One percentile, not summarize()'s five and a mean: each walks the histogram (~7 ms of CPU a second).
    const p95 = recent.hist.totalCount > 0 ? percentileMs(recent.hist, 95) : 0;
    return {
      scenario: scenario.name,
      elapsedMs: elapsed,
      durationMs: exec.durationMs,
      targetRate: exec.targetRate,
      achievedRate: elapsed > 0 ? (counts.started * 1000) / elapsed : 0,
      p95Ms: p95,
      requests: all.count,
      errors: all.failed,
      late: all.late,
      dropped: all.dropped,
      vus: exec.vus(),
    };
  };
  const tick = () => {
    const now = epochNow();
    const abortOn = agg.flush(now);
    const bucket = Math.floor(now / 1000) * 1000;
    if (bucket > lastBucket) {
      const { loopLagP99Ms, cpu } = self.sample();
      const elapsed = performance.now() - t0;
      engine.push({
        ts: lastBucket,
        scenario: scenario.name,
        targetRate: exec.targetRateAt ? exec.targetRateAt(Math.max(0, lastBucket - startedAt)) : null,
        started: counts.started - lastStarted,
        vus: exec.vus(),
        loopLagP99Ms,
        cpu,
      });
      lastStarted = counts.started;
      lastBucket = bucket;
      progress.update(progressState(elapsed));
    }
    if (abortOn && !cancel.signal.aborted) {
      run.abortReason = `threshold ${abortOn.metric}${abortOn.filter ? `{${abortOn.filter}}` : ''} ${abortOn.source} failed (abortOnFail)`;
      events.push({ ts: now, type: 'threshold.aborted', label: run.abortReason, scenario: scenario.name });
      cancel.abort();
    }
  };
  const timer = setInterval(tick, 250);
  return { stop: () => clearInterval(timer), engine, progressState };
}

/** Load phase: the executor drives iterations over the scenario's time, measured; what it measured goes to run.load. */
export async function loadPhase(run: ScenarioRun): Promise<void> {
  const { scenario, options, thresholds, graceMs, events, flows } = run;
  const { stop, interrupt } = run;
  const open = isOpenModel(scenario);
  // Open model: VU slots and connections grow on demand up to the cap (k6's maxVUs), sized for rate × 1 s by default.
  const { maxVUs, connections: openConnections } = openModelCapacity(scenario);
  const transport = await loadTransport(run, open, maxVUs, openConnections);

  // Cancelling destroys the connections: every in-flight request fails at once (no listener per request).
  const closeTransport = () => void transport.close();
  interrupt.signal.addEventListener('abort', closeTransport, { once: true });
  const startedAt = epochNow();
  const agg = new Aggregator(scenario.name, thresholds, scenario.thresholdWindows, startedAt, scenario.tags);
  const self = new SelfCheck();
  const progress = new Progress(options.progress);
  // With gracefulStop (k6's), an iteration in flight at the end goes on, steps and think time included, until
  // the grace is over; without it, no new step starts after the end.
  const stepSignal = graceMs === null ? stop.signal : interrupt.signal;
  const { iterate, counts } = iterationRunner(run, transport, agg, open, stepSignal);

  events.push({
    ts: startedAt,
    type: 'phase.started',
    label: scenario.name,
    id: scenario.name,
    scenario: scenario.name,
    detail: { executor: scenario.executor },
  });
  options.onStarted?.();
  self.start();
  const t0 = performance.now();
  const exec = startExecutor(scenario, {
    t0,
    maxVUs,
    signal: stop.signal,
    maxLatenessMs: parseDuration(scenario.maxLateness),
    iterate,
    dropped: (intended) => {
      const tag = flows.length === 1 ? (flows[0]?.steps[0]?.tag ?? scenario.name) : 'dropped';
      agg.recordDropped(tag, performance.timeOrigin + intended);
      options.onDropped?.(performance.timeOrigin + intended, tag);
    },
    schedulerLag: (ms) => self.noteSchedulerLag(ms),
  });
  // Closed model: at the end of the duration VUs stop starting requests and wake from think time. The open
  // model ends by itself once every scheduled arrival was issued (a timer racing it could lose the last ones).
  const deadline = open ? undefined : setTimeout(() => stop.abort(), exec.durationMs);
  // gracefulStop: once the load's time is over, iterations in flight get this long, then their requests are cancelled.
  let graceOver = false;
  const graceTimer =
    graceMs === null
      ? undefined
      : setTimeout(() => {
          graceOver = !interrupt.signal.aborted;
          interrupt.abort();
        }, exec.durationMs + graceMs);
  const ticker = loadTicker(run, { agg, self, exec, progress, counts }, startedAt, t0);

  let execEnded = false;
  try {
    await exec.done;
    execEnded = true;
  } finally {
    clearTimeout(deadline);
    clearTimeout(graceTimer);
    ticker.stop();
    options.signal?.removeEventListener('abort', run.onOuterAbort);
    options.stop?.removeEventListener('abort', run.onOuterStop);
    interrupt.signal.removeEventListener('abort', closeTransport);
    if (!execEnded) {
      // An executor that threw: nothing is left running (the sampler's timer, connections keep the process alive).
      self.stop();
      await transport.close();
    }
  }
  const endedAt = epochNow();
  const execStats = exec.stats();
  // The achieved rate is what was started over the time it was started over: the duration, or longer when
  // queued arrivals were still starting after it (an interrupted run: the time it ran).
  const lastStart = Number.isNaN(execStats.lastStartAt) ? 0 : execStats.lastStartAt - t0;
  const mainMs = Math.max(1, Math.min(performance.now() - t0, exec.durationMs), lastStart);
  let selfStats: ReturnType<SelfCheck['stop']>;
  try {
    agg.flush(endedAt, true);
  } finally {
    // Whatever happens, the sampler's timer stops and the connections close (they keep the process alive).
    selfStats = self.stop();
    await transport.close();
  }
  events.push({
    ts: endedAt,
    type: 'phase.ended',
    label: scenario.name,
    id: scenario.name,
    scenario: scenario.name,
    detail: { aborted: run.abortReason ?? null },
  });
  run.load = {
    open,
    maxVUs,
    openConnections,
    agg,
    self,
    selfStats,
    exec,
    execStats,
    startedAt,
    endedAt,
    mainMs,
    engine: ticker.engine,
    progress,
    progressState: ticker.progressState,
    unsentArrivals: counts.unsentArrivals,
    failedChecks: counts.failedChecks,
    templateErrors: counts.templateErrors,
    graceOver,
  };
}
