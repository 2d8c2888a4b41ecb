import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { assertReachable, parseDuration } from '../common/index.ts';
import {
  doubted,
  measurementDoubt,
  summarize,
  type RunRecordPart,
  type ScenarioSummary,
  type ThresholdResult,
} from '../reports/index.ts';
import type { Scenario } from './schema/scenario.ts';
import { parseThresholds } from './thresholds/parse.ts';
import type { ThresholdSemantics } from './thresholds/earned.ts';
import { compileFlow, flowPicker } from './flow/compile.ts';
import type { OnResponse } from './flow/iteration.ts';
import { sharedTransport } from './http/transport.ts';
import type { Sender } from './http/dispatch.ts';
import { runSetup, runTeardown } from './setup-phase.ts';
import { invalidReasons } from './self-check.ts';
import type { ProgressStream } from './progress.ts';
import { shortfallWarnings } from './capacity.ts';
import { epochNow, type ScenarioRun } from './scenario-run.ts';
import { loadPhase } from './load-phase.ts';

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
