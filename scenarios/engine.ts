import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { assertReachable, parseDuration } from '../common/index.ts';
import {
  doubted,
  measurementDoubt,
  percentileMs,
  summarize,
  type RunEvent,
  type RunRecordPart,
  type ScenarioSummary,
  type ThresholdResult,
} from '../reports/index.ts';
import { definitionOf, isOpenModel } from './executors/registry.ts';
import type { Scenario } from './schema/scenario.ts';
import { parseThresholds } from './thresholds/parse.ts';
import type { ThresholdSemantics } from './thresholds/earned.ts';
import { Aggregator } from './metrics/aggregator.ts';
import { compileFlow, flowPicker, type CompiledFlow } from './flow/compile.ts';
import { BATCH_PER_HOST, runIteration, type IterationEnv, type OnResponse } from './flow/iteration.ts';
import { sharedTransport, perVuTransport, type Transport } from './http/transport.ts';
import type { Sender } from './http/dispatch.ts';
import { runSetup, runTeardown } from './setup-phase.ts';
import { newVuState, type VuState } from './flow/redirects-cookies.ts';
import { thinker } from './think-time.ts';
import { SelfCheck, invalidReasons } from './self-check.ts';
import { Progress, type ProgressStream } from './progress.ts';
import { startExecutor, type ExecutorStats, type RunningExecutor } from './executors/start.ts';
import { openModelCapacity, shortfallWarnings } from './capacity.ts';

export interface RunScenarioOptions {
  /** The target, parsed where it entered (a flag, the managed stack); taken as it is here. */
  baseUrl: URL;
  signal?: AbortSignal;
  /** Where the progress line goes (a TTY gets a live line, anything else a line every 10 s). */
  progress?: ProgressStream;
  onResponse?: OnResponse;
  /** Graceful end: start no new requests (nor retries) and let those in flight finish; `signal` instead cancels them. */
  stop?: AbortSignal;
  /** Users prepared by the caller ({{user.x}}, each VU gets users[vu % n]); a scenario's setup phase, if any, replaces them. */
  users?: Array<Record<string, unknown>>;
  /** An open-model arrival that was never sent (no free VU within maxLateness, or still queued at the end); epoch ms. */
  onDropped?: (intendedEpochMs: number, tag: string) => void;
  /** Called once the setup phase is over, as the load starts (a drill starts its warm-up then). */
  onStarted?: () => void;
  /** How the person sets the open model's connection cap, named in warnings (default: the scenario key maxVUs). */
  capFlag?: string;
  /** rampart (default): a threshold's PASS is earned at 95 % confidence; k6: k6's point verdict. */
  thresholdSemantics?: ThresholdSemantics;
}

export interface ScenarioResult {
  part: RunRecordPart;
  summary: ScenarioSummary;
  thresholds: ThresholdResult[];
  /** True when the run stopped early (interrupt or a threshold's abortOnFail); abortReason says why. */
  aborted: boolean;
  abortReason?: string;
  /** Failed check names with their counts, "tag: check" → n. */
  failedChecks: Record<string, number>;
  /** In words: arrivals that waited for or never got a connection, requests cut at the timeout; each names what to change. */
  warnings: string[];
  /** Open model: arrivals dropped after waiting maxLateness for a connection (the rest of `dropped` were queued at the end). */
  droppedAtCap: number;
  /** Requests that got no answer within requestTimeout (their latency is the timeout: a lower bound). */
  timeouts: number;
}

const epochNow = () => performance.timeOrigin + performance.now();

/** What the phases of one scenario's run share: its inputs, its signals, and what each phase leaves for the next. */
interface ScenarioRun {
  scenario: Scenario;
  options: RunScenarioOptions;
  url: URL;
  /** The target's path prefix, put before every step's path. */
  prefix: string;
  thresholds: ReturnType<typeof parseThresholds>;
  timeoutMs: number;
  graceMs: number | null;
  runId: string;
  events: RunEvent[];
  notes: string[];
  // cancel: stop everything now (interrupt, abortOnFail); stop: start no new requests (end of duration);
  // interrupt: cancel the requests in flight (cancel, or the end of gracefulStop).
  cancel: AbortController;
  stop: AbortController;
  interrupt: AbortController;
  abortReason: string | undefined;
  onOuterAbort: () => void;
  onOuterStop: () => void;
  flows: CompiledFlow[];
  pick: () => CompiledFlow;
  /** The users the load runs as: the caller's or the scenario's, replaced by the setup phase's. */
  users: Array<Record<string, unknown>>;
  /** What the load phase measured (set by it). */
  load: LoadOutcome | null;
}

/** What the load phase leaves for the teardown and the result. */
interface LoadOutcome {
  open: boolean;
  maxVUs: number;
  openConnections: number;
  agg: Aggregator;
  self: SelfCheck;
  selfStats: ReturnType<SelfCheck['stop']>;
  exec: RunningExecutor;
  execStats: ExecutorStats;
  startedAt: number;
  endedAt: number;
  /** The time the load's iterations were started over, ms. */
  mainMs: number;
  engine: NonNullable<RunRecordPart['engine']>;
  progress: Progress;
  progressState: (elapsed: number) => Parameters<Progress['update']>[0];
  unsentArrivals: number;
  failedChecks: Record<string, number>;
  templateErrors: Record<string, number>;
  graceOver: boolean;
}

type Phase = readonly [name: string, run: (run: ScenarioRun) => Promise<void>];

/**
 * A scenario's run, phase by phase (k6's lifecycle): setup (users, not measured), load (the executor drives
 * iterations, measured), teardown (each setup user's last steps, not measured). `prepare` comes before them
 * (the target reachable, thresholds parsed, signals wired) and `result` after (summary, verdicts, notes).
 */
const phases: readonly Phase[] = [
  ['setup', setupPhase],
  ['load', loadPhase],
  ['teardown', teardownPhase],
];

/** Runs one scenario against baseUrl and returns what it measured (never throws for a slow or failing target). */
export async function runScenario(scenario: Scenario, options: RunScenarioOptions): Promise<ScenarioResult> {
  const run = await prepare(scenario, options);
  for (const [, phase] of phases) await phase(run);
  return result(run);
}

/** The target reachable, thresholds parsed, flows compiled, and the run's signals wired to the caller's. */
async function prepare(scenario: Scenario, options: RunScenarioOptions): Promise<ScenarioRun> {
  const url = options.baseUrl;
  await assertReachable(url);
  const prefix = url.pathname.replace(/\/$/, '');
  const thresholds = parseThresholds(scenario.thresholds, (d) => parseDuration(d), scenario.metrics);
  const timeoutMs = parseDuration(scenario.requestTimeout);
  const runId = randomUUID().slice(0, 8);

  const cancel = new AbortController();
  const stop = new AbortController();
  const interrupt = new AbortController();
  setMaxListeners(0, cancel.signal, stop.signal, interrupt.signal);
  cancel.signal.addEventListener('abort', () => interrupt.abort(), { once: true });
  const graceMs = scenario.gracefulStop === undefined ? null : parseDuration(scenario.gracefulStop);
  const flows = scenario.flows.map((f) =>
    compileFlow({ ...f, steps: f.steps.map((s) => ({ ...s, path: prefix + s.path })) }),
  );
  const run: ScenarioRun = {
    scenario,
    options,
    url,
    prefix,
    thresholds,
    timeoutMs,
    graceMs,
    runId,
    events: [],
    notes: [],
    cancel,
    stop,
    interrupt,
    abortReason: undefined,
    onOuterAbort: () => {
      run.abortReason ??= `interrupted: ${String((options.signal?.reason as Error | undefined)?.message ?? 'signal')}`;
      cancel.abort();
    },
    onOuterStop: () => stop.abort(),
    flows,
    pick: flowPicker(flows),
    users: options.users ?? scenario.users ?? [],
    load: null,
  };
  if (options.signal?.aborted) run.onOuterAbort();
  options.signal?.addEventListener('abort', run.onOuterAbort, { once: true });
  cancel.signal.addEventListener('abort', () => stop.abort(), { once: true });
  if (options.stop?.aborted) run.onOuterStop();
  options.stop?.addEventListener('abort', run.onOuterStop, { once: true });
  return run;
}

/** A phase's start or end in the run's events (setup, teardown). */
function phaseEvent(
  run: ScenarioRun,
  type: 'phase.started' | 'phase.ended',
  phase: 'setup' | 'teardown',
  detail?: Record<string, number>,
): void {
  const name = run.scenario.name;
  run.events.push({
    ts: epochNow(),
    type,
    label: `${name}: ${phase}`,
    id: `${name}:${phase}`,
    scenario: name,
    ...(detail ? { detail } : {}),
  });
}

/**
 * Setup and teardown users' steps on connections of their own (`concurrency` of them), under the run's path
 * prefix; the connections close when the run is cancelled and when the steps end.
 */
async function onPhaseConnections<U extends { concurrency: number; steps: Array<{ path: string }> }, T>(
  run: ScenarioRun,
  users: U,
  body: (spec: U, sender: Sender) => Promise<T>,
): Promise<T> {
  const transport = await sharedTransport({
    origin: run.url.origin,
    timeoutMs: run.timeoutMs,
    connections: users.concurrency,
  });
  const close = () => void transport.close();
  run.cancel.signal.addEventListener('abort', close, { once: true });
  try {
    const spec = { ...users, steps: users.steps.map((s) => ({ ...s, path: run.prefix + s.path })) };
    return await body(spec, transport.senderFor(0));
  } finally {
    run.cancel.signal.removeEventListener('abort', close);
    await transport.close();
  }
}

/** Setup phase (k6 setup()): its requests are not part of the measured load. */
async function setupPhase(run: ScenarioRun): Promise<void> {
  const setup = run.scenario.setup?.users;
  if (!setup) return;
  phaseEvent(run, 'phase.started', 'setup');
  try {
    run.users = await onPhaseConnections(run, setup, (users, sender) =>
      runSetup({ users }, sender, run.runId, run.cancel.signal, run.users),
    );
  } finally {
    phaseEvent(run, 'phase.ended', 'setup', { users: run.users.length });
  }
}

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
async function loadPhase(run: ScenarioRun): Promise<void> {
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

/**
 * Teardown phase (k6 teardown()): each setup user's last steps (a logout), not part of the measured load.
 * It runs after a graceful stop too; a hard cancel (a second Ctrl-C) skips it.
 */
async function teardownPhase(run: ScenarioRun): Promise<void> {
  const { scenario, notes, cancel, users } = run;
  const teardown = scenario.teardown?.users;
  if (!(teardown && users.length > 0 && !cancel.signal.aborted)) return;
  phaseEvent(run, 'phase.started', 'teardown');
  const td = await onPhaseConnections(run, teardown, (spec, sender) =>
    runTeardown({ users: spec }, sender, run.runId, cancel.signal, users),
  );
  if (td.failed > 0)
    notes.push(`${scenario.name}: teardown failed for ${td.failed} of ${td.users} users (first: ${td.firstFailure})`);
  phaseEvent(run, 'phase.ended', 'teardown', { users: td.users, failed: td.failed });
}

/** The summary, the threshold verdicts (doubted when the measurement is invalid), the notes and the warnings. */
function result(run: ScenarioRun): ScenarioResult {
  const { scenario, options, thresholds, timeoutMs, graceMs, events, notes, abortReason, load } = run;
  if (!load) throw new Error(`${scenario.name}: the load phase did not run`);
  const { open, maxVUs, openConnections, agg, self, selfStats, exec, execStats, startedAt, endedAt, mainMs } = load;
  const { engine, progress, progressState, unsentArrivals, failedChecks, templateErrors, graceOver } = load;
  const all = agg.allStats();
  const lat = summarize(all.hist);
  // HdrHistogram reports a percentile as its bucket's highest equivalent value, which can exceed the exact max.
  const capped = (v: number) => Math.min(v, lat.max);
  // What was sent: arrivals started (open) or requests sent (closed); an unsent request is in neither.
  const achieved = open
    ? ((execStats.started - unsentArrivals) * 1000) / mainMs
    : ((all.count - all.dropped - (all.codes.template ?? 0)) * 1000) / mainMs;
  const reasons = invalidReasons({
    loopLagP99Ms: selfStats.loopLagP99Ms,
    maxLoopLagP99Ms: scenario.selfCheck.maxLoopLagP99Ms,
    cpu: selfStats.cpu,
    targetRate: exec.targetRate,
    achievedRate: achieved,
    minRateRatio: scenario.selfCheck.minRateRatio,
    late: all.late,
    dropped: all.dropped,
    schedulerLate: self.schedulerLate,
    due: execStats.due,
  });
  if (abortReason) reasons.length = 0; // an aborted run is reported as aborted, not judged on its rate
  const summary: ScenarioSummary = {
    scenario: scenario.name,
    executor: scenario.executor,
    startedAt,
    endedAt,
    requests: all.count,
    errors: all.failed,
    late: all.late,
    dropped: all.dropped,
    rate: { target: exec.targetRate, achieved: Math.round(achieved * 100) / 100 },
    latencyMs: {
      p50: capped(lat.p50),
      p90: capped(lat.p90),
      p95: capped(lat.p95),
      p99: capped(lat.p99),
      p999: capped(lat.p999),
      max: lat.max,
    },
    checks: { passed: all.checksPassed, failed: all.checksFailed },
    codes: { ...all.codes },
    generatorLagMaxMs: selfStats.loopLagMaxMs,
    valid: reasons.length === 0,
    invalidReasons: reasons,
  };
  progress.done(progressState(mainMs));
  // An invalid measurement: a generator that was late (rate held) can only make the target look worse, so a
  // breach may be the generator's (inconclusive); one that did not deliver the rate proves no pass (inconclusive).
  const doubt = summary.valid ? null : measurementDoubt({ summaries: [summary] }, [scenario.name]);
  const results = agg.results(mainMs, options.thresholdSemantics).map((r, i) => {
    const isLatency = r.metric === 'http_req_duration';
    const limit = thresholds[i]?.value;
    const d = doubted(
      r.outcome ?? (r.ok ? 'pass' : 'fail'),
      doubt,
      isLatency ? 'latency' : 'ratio',
      isLatency && limit !== undefined ? { valueMs: r.value, limitMs: limit } : undefined,
    );
    return d.reason ? { ...r, ok: false, outcome: d.outcome, reason: d.reason } : r;
  });
  for (const m of agg.timings.summary()) notes.push(`${scenario.name}: ${m.metric}: ${m.text}`);
  for (const m of agg.sinks.summary())
    notes.push(
      `${scenario.name}: ${m.metric}${m.filter ? `{${m.filter}}` : ''}: ${m.text}${m.metric.endsWith('_duration') ? ' ms' : ''}`,
    );
  if (graceOver)
    notes.push(
      `${scenario.name}: iterations still running ${graceMs} ms (gracefulStop) after the end of the load were interrupted; their requests in flight are not counted`,
    );
  for (const [k, n] of Object.entries(templateErrors).slice(0, 20))
    notes.push(
      `${scenario.name}: request not sent ${n}x, ${k} (template error: fix the name or capture it in an earlier step)`,
    );
  for (const [k, n] of Object.entries(failedChecks).slice(0, 20))
    notes.push(`${scenario.name}: check failed ${n}x: ${k}`);
  if (!summary.valid) notes.push(`${scenario.name}: run INVALID as a measurement of the target: ${reasons.join('; ')}`);
  notes.push(
    `${scenario.name}: generator loop lag p99 ${selfStats.loopLagP99Ms} ms, max ${selfStats.loopLagMaxMs} ms, CPU ${(selfStats.cpu * 100).toFixed(0)} % of a core, peak VUs/in-flight ${execStats.peak}${open ? ` of ${maxVUs}` : ''}`,
  );
  if (open)
    notes.push(`${scenario.name}: scheduler lateness (arrival issued after its time) ${self.schedulerLateness()}`);
  const timeouts = (all as { codes?: Record<string, number> }).codes?.timeout ?? 0;
  const warnings = shortfallWarnings({
    open,
    maxVUs,
    connections: openConnections,
    started: execStats.started,
    peak: execStats.peak,
    late: execStats.late,
    dropped: all.dropped,
    droppedAtCap: execStats.droppedAtCap,
    maxLatenessMs: parseDuration(scenario.maxLateness),
    timeouts,
    requestTimeoutMs: timeoutMs,
    capFlag: options.capFlag ?? "the scenario's maxVUs",
  });
  for (const w of warnings) notes.push(`${scenario.name}: ${w}`);

  const part: RunRecordPart = {
    scenarios: [scenario as unknown as Record<string, unknown>],
    samples: agg.samples,
    engine,
    events,
    summaries: [summary],
    thresholds: results,
    notes,
  };
  const out: ScenarioResult = {
    part,
    summary,
    thresholds: results,
    aborted: abortReason !== undefined,
    failedChecks,
    warnings,
    droppedAtCap: execStats.droppedAtCap,
    timeouts,
  };
  if (abortReason) out.abortReason = abortReason;
  return out;
}
