import { baseUrlText } from '../../common/index.ts';
import {
  LOAD_DID_NOT_START,
  judgeDrill,
  type DrillResult,
  type EngineSample,
  type RunRecordPart,
  type Sample,
  type ScenarioSummary,
} from '../../reports/index.ts';
import { DrillRun, sleep, type Check } from './drill-run.ts';
import { drillEnvironment, preflight, unavailableFaults, type DrillEnvironment } from './environment.ts';
import { startDrillLoad, type DrillLoad } from './load.ts';
import { alignedWindow, recoverySeconds } from './observe.ts';
import { runProbe } from './probes.ts';
import { reconcile } from './reconcile.ts';
import { sizingNotes } from './sizing.ts';
import type { Drill, RunDrillOptions } from './types.ts';

class LoadDidNotStart extends Error {}

/** A drill in which nothing could be injected: no load is sent, nothing is proven. Inconclusive, never passed. */
function notInjectable(drill: Drill, env: DrillEnvironment, skipped: string[], startedAt: number): RunRecordPart {
  const result: DrillResult = {
    name: drill.name,
    passed: false,
    startedAt,
    endedAt: Date.now(),
    faults: [],
    recoverySeconds: null,
    reconciliation: null,
    checks: [],
    skipped,
    aborted: null,
    windows: [],
    tags: drill.groups,
    profile: drill.profile,
  };
  const judged = judgeDrill({ samples: [], summaries: [] }, result);
  return {
    drills: [{ ...result, outcome: judged.outcome, ...(judged.reason ? { reason: judged.reason } : {}) }],
    notes: [
      ...env.notes,
      `drill ${drill.name} INCONCLUSIVE: no fault of its method could be injected: ${skipped.join('; ')}`,
    ],
  };
}

/** The load runs until the drill stops it; a load whose setup fails never ran (nothing shown either way). */
async function startLoad(run: DrillRun, options: RunDrillOptions): Promise<void> {
  const { drill, signal } = run;
  run.load = startDrillLoad({
    baseUrl: run.env.target,
    scenario: drill.load.scenario,
    reconcile: drill.reconcile,
    signal,
    ...(options.rate ? { rate: options.rate } : {}),
  });
  try {
    await run.load.started;
  } catch (err) {
    if (signal.aborted) throw err;
    throw new LoadDidNotStart((err as Error).message);
  }
}

/**
 * The steady state, after an unjudged warm-up (connections, caches, a cold generator), in whole seconds as the
 * samples are bucketed: the window judged live is the one the record holds. True when nothing breached; an
 * unproven steady state (too few requests) still gets its fault, and the drill then ends inconclusive.
 */
async function verifySteadyState(run: DrillRun): Promise<boolean> {
  const { drill, name } = run;
  run.event('phase.started', 'steady state', { id: `steady:${name}` });
  const from = Math.ceil((Date.now() + drill.load.warmUpSeconds * 1000) / 1000) * 1000;
  await sleep(from + drill.steadySeconds * 1000 - Date.now(), run.signal);
  const steady = alignedWindow(from, Date.now());
  run.windows.push({ phase: 'steady', ...steady, objectives: drill.steadyState });
  run.event('phase.ended', 'steady state', { id: `steady:${name}` });
  const failed: string[] = [];
  for (const objective of drill.steadyState) {
    const r = run.judgeLive(steady, objective);
    run.event(
      'probe',
      `steady state: ${r.name}: ${r.outcome === 'pass' ? 'ok' : r.outcome.toUpperCase()} — ${r.detail}`,
    );
    if (r.outcome === 'fail') failed.push(r.name);
  }
  if (failed.length > 0) run.aborted = `steady state not met before the fault (${failed.join('; ')}): nothing injected`;
  return failed.length === 0;
}

/** Stop conditions over their last window, once a second: only a breach stops a drill, never "not enough requests to tell". */
function checkStopConditions(run: DrillRun): void {
  for (const stop of run.drill.stopConditions) {
    const w = { start: Date.now() - (stop.windowSeconds + 1) * 1000, end: Date.now() - 1000 };
    if (w.start < run.faultStart) continue;
    const r = run.judgeLive(w, stop.objective);
    if (r.outcome === 'fail' && r.count >= 3) {
      run.aborted = `stop condition: ${r.name} — ${r.detail}`;
      run.event('slo.breached', run.aborted, { detail: { stopCondition: true } });
    }
  }
}

/** The fault phase: inject on time, roll back each at the end of its duration, probes, stop conditions. */
async function faultPhase(run: DrillRun): Promise<void> {
  const { drill } = run;
  run.faultStart = Date.now();
  run.event('phase.started', 'fault', { id: `fault:${run.name}` });
  const plan = drill.method.map((timed, i) => ({ timed, i, injected: false }));
  const probes = drill.probes.map((p) => ({ ...p, done: false }));
  const pendingProbes: Promise<void>[] = [];
  let lastStopCheck = Date.now();
  try {
    for (;;) {
      const elapsed = (Date.now() - run.faultStart) / 1000;
      await run.injectDue(plan, elapsed);
      for (const f of run.faults)
        if (f.end === null && Date.now() - f.start >= f.timed.duration * 1000) await run.rollback(f);
      for (const p of probes) {
        if (p.done || elapsed < p.at) continue;
        p.done = true;
        pendingProbes.push(
          runProbe(p, baseUrlText(run.env.target)).then((r) => {
            run.verdict({
              name: `during: ${r.name}`,
              ok: r.ok,
              outcome: r.ok ? 'pass' : 'fail',
              source: 'probe',
              detail: r.detail,
            });
          }),
        );
      }
      if (Date.now() - lastStopCheck >= 1000) {
        lastStopCheck = Date.now();
        checkStopConditions(run);
      }
      if ((plan.every((s) => s.injected) && run.faults.every((f) => f.end !== null)) || run.aborted) break;
      await sleep(100, run.signal);
    }
  } finally {
    await Promise.all(pendingProbes);
  }
}

/**
 * Recovery is observed even after a stop condition (the time is still worth knowing): until the steady state
 * is back and the window after it holds observeSeconds whole seconds, at most recoverWithin + observeSeconds
 * + 2 s. Returns when observing ended.
 */
async function observeRecovery(run: DrillRun): Promise<number> {
  const { drill, load } = run;
  if (!load || !run.faultStart || run.signal.aborted) return Date.now();
  const from = run.lastFaultEnd();
  const maxMs = (drill.recoverWithinSeconds + drill.observeSeconds + 2) * 1000;
  try {
    for (;;) {
      await sleep(500, run.signal);
      const now = Date.now();
      if (now - from >= maxMs) break;
      const rec = recoverySeconds(load.observations, drill.steadyState, from, now - 600, drill.groups);
      if (rec !== null && now - (from + rec * 1000) >= (drill.observeSeconds + 1) * 1000) break;
    }
  } catch {
    run.aborted ??= 'interrupted during recovery observation';
  }
  return Date.now();
}

/** The fault and after windows, and recovery time as a recorded fact (point values over 2 s windows). */
function recordRecovery(run: DrillRun, observedUntil: number): number | null {
  const { drill } = run;
  const lastFaultEnd = run.lastFaultEnd();
  run.windows.push({
    phase: 'during',
    ...alignedWindow(run.faultStart + 1000, lastFaultEnd),
    objectives: drill.during,
  });
  const recovery = recoverySeconds(
    run.load?.observations ?? [],
    drill.steadyState,
    lastFaultEnd,
    observedUntil - 600,
    drill.groups,
  );
  const ok = recovery !== null && recovery <= drill.recoverWithinSeconds;
  run.verdict({
    name: `steady state back within ${drill.recoverWithinSeconds} s of the rollback`,
    ok,
    outcome: ok ? 'pass' : 'fail',
    source: 'recovery',
    detail: recovery === null ? 'did not recover in the observation time' : `recovered after ${recovery} s`,
  });
  run.windows.push({
    phase: 'after',
    ...alignedWindow(lastFaultEnd + (recovery ?? drill.recoverWithinSeconds) * 1000, observedUntil),
    objectives: drill.after,
  });
  return recovery;
}

/**
 * Runs one drill: check every fault's destination (before any load) → load throughout → verify the
 * steady state → inject the timed faults → observe (stop conditions can end it early) → roll back,
 * always (failure, stop condition, error, Ctrl-C) → time to recover → reconcile acknowledged writes →
 * a run-record part: the drill's windows with the objectives each is held to, its recorded facts
 * (probes, rollback, recovery, reconciliation), its journal, samples and load summary. Its outcome is
 * reports' judgeDrill over that part: the same evaluation `rampart report` makes from run.json.
 */
export async function runDrill(drill: Drill, options: RunDrillOptions): Promise<RunRecordPart> {
  const env = drillEnvironment(options);
  const skipped = unavailableFaults(drill, env);
  if (skipped.length === drill.method.length) return notInjectable(drill, env, skipped, Date.now());
  await preflight(drill, env);
  const run = new DrillRun(drill, env, options, skipped);
  const thin = sizingNotes(drill, options.rate);
  for (const line of thin) run.event('note', line);
  run.event('phase.started', `drill ${run.name} (${drill.profile})`, { id: `drill:${run.name}` });
  await loadAndInject(run, options);
  const measured = await measure(run);
  const result = judge(run, measured);
  return {
    drills: [result],
    events: run.events,
    samples: measured.samples,
    engine: measured.engine,
    summaries: measured.summaries,
    notes: drillNotes(run, measured, thin),
  };
}

/**
 * Start the load, verify the steady state, the fault phase; whatever ends them (the fault's end, a stop
 * condition, an error, Ctrl-C) is noted and every fault is rolled back.
 */
async function loadAndInject(run: DrillRun, options: RunDrillOptions): Promise<void> {
  try {
    await startLoad(run, options);
    if (await verifySteadyState(run)) await faultPhase(run);
  } catch (err) {
    run.aborted = run.signal.aborted
      ? 'interrupted: faults rolled back, measurements kept'
      : err instanceof LoadDidNotStart
        ? `${LOAD_DID_NOT_START}: ${err.message}; nothing injected`
        : `error: ${(err as Error).message}`;
    run.event('note', run.aborted);
  } finally {
    await run.rollbackAll();
    if (run.faultStart) run.event('phase.ended', 'fault', { id: `fault:${run.name}` });
  }
}

/** What the drill measured: the load's record (under the drill's scenario) and, unless interrupted, the recorded facts. */
interface Measured {
  endedAt: number;
  samples: Sample[];
  summaries: ScenarioSummary[];
  engine: EngineSample[];
  notes: string[];
  recovery: number | null;
  reconciliation: DrillResult['reconciliation'];
}

/** Observe recovery, stop the load, then record recovery and reconcile acknowledged writes (not after an interruption). */
async function measure(run: DrillRun): Promise<Measured> {
  const { drill, load, signal, scenario } = run;
  const observedUntil = await observeRecovery(run);
  const measured = await load?.stop();
  const endedAt = Date.now();
  const samples = (measured?.samples ?? []).map((s) => ({ ...s, scenario }));
  const summaries = (measured?.summaries ?? []).map((s) => ({ ...s, scenario }));
  const interrupted = signal.aborted || run.aborted?.startsWith('interrupted');
  const recovery = run.faultStart && !interrupted ? recordRecovery(run, observedUntil) : null;
  const reconciliation =
    load && run.faultStart && !interrupted && drill.reconcile.length > 0 ? await reconcileWrites(run, load) : null;
  const engine = (measured?.engine ?? []).map((e) => ({ ...e, scenario }));
  return { endedAt, samples, summaries, engine, notes: measured?.notes ?? [], recovery, reconciliation };
}

/** One evaluation: the window checks recomputed from the samples, exactly as `rampart report` does; its verdicts journalled. */
function judge(run: DrillRun, { endedAt, samples, summaries, recovery, reconciliation }: Measured): DrillResult {
  const { drill, name, scenario } = run;
  const result: DrillResult = {
    name,
    passed: false,
    startedAt: run.startedAt,
    endedAt,
    faults: run.faults.map((f) => ({ label: f.timed.label, start: f.start, end: f.end })),
    recoverySeconds: recovery,
    reconciliation,
    checks: run.checks,
    skipped: run.skipped,
    aborted: run.aborted,
    windows: run.windows,
    tags: drill.groups,
    profile: drill.profile,
  };
  const judged = judgeDrill({ samples, summaries }, result);
  result.checks = judged.checks.map((c) => ({
    name: c.name,
    ok: c.ok,
    detail: c.detail,
    outcome: c.outcome,
    ...(c.source ? { source: c.source } : {}),
  }));
  result.outcome = judged.outcome;
  result.passed = judged.outcome === 'pass';
  if (judged.reason) result.reason = judged.reason;
  for (const c of judged.checks.filter((c) => c.source === 'window' || c.source === 'steady-state')) {
    run.events.push({
      ts: endedAt,
      type: c.outcome === 'fail' ? 'slo.breached' : 'probe',
      label: `${c.name}: ${c.outcome === 'pass' ? 'ok' : c.outcome.toUpperCase()} — ${c.detail}`,
      scenario,
    });
  }
  run.event('phase.ended', `drill ${name}: ${judged.outcome.toUpperCase()}`, { id: `drill:${name}` });
  return result;
}

/** The environment's notes, the sizing notes, the load's, the faults not injected here, and the load's size. */
function drillNotes(run: DrillRun, measured: Measured, thin: string[]): string[] {
  const { name, load, skipped } = run;
  const notes = [...run.env.notes, ...thin, ...measured.notes];
  if (skipped.length > 0) notes.push(`drill ${name}: faults not injected here: ${skipped.join('; ')}`);
  if (load) notes.push(`drill ${name}: ${load.observations.length} requests, ${load.attempts.retried} retries`);
  return notes;
}

/** Reconciliation as a recorded fact: every acknowledged write found, none duplicated; the missing ones named. */
async function reconcileWrites(run: DrillRun, load: DrillLoad): Promise<DrillResult['reconciliation']> {
  const { drill, env, signal } = run;
  const verdict = (c: Check) => run.verdict(c);
  const what = [...new Set(drill.reconcile.map((r) => r.writes))].join(', ');
  const name = `every acknowledged write (${what}) is found afterwards${drill.reconcile.some((r) => r.sql) ? ', exactly once' : ''}`;
  try {
    const r = await reconcile(drill.reconcile, load.acknowledged, {
      baseUrl: baseUrlText(env.target),
      databaseUrl: env.databaseUrl,
      signal,
    });
    // An acknowledged write whose answer held no id cannot be read back: nothing is proven about it.
    const unidentified = [...load.unidentified.values()].reduce((a, b) => a + b, 0);
    const ok = r.lost === 0 && r.duplicated === 0 && r.acknowledged > 0 && unidentified === 0;
    const named = r.missing
      .slice(0, 10)
      .map((m) => `${m.writes} id ${m.id} acknowledged at ${new Date(m.at).toISOString().slice(11, 23)}: ${m.detail}`);
    const detail =
      `${r.acknowledged} acknowledged, ${r.found} found, ${r.lost} lost, ${r.duplicated} duplicated` +
      (named.length
        ? ` (${named.join('; ')}${r.missing.length > named.length ? `; and ${r.missing.length - named.length} more in run.json` : ''})`
        : '') +
      (r.acknowledged === 0 ? '; to conclude: the load must have writes acknowledged (2xx) to read back' : '') +
      (unidentified > 0
        ? `; ${unidentified} acknowledged answers held no id where reconcile.id says, so they could not be read back; to conclude: point id at a field every answer has`
        : '');
    const failed = r.lost > 0 || r.duplicated > 0;
    verdict({ name, ok, outcome: ok ? 'pass' : failed ? 'fail' : 'inconclusive', source: 'reconciliation', detail });
    return { acknowledged: r.acknowledged, found: r.found, lost: r.lost, duplicated: r.duplicated, missing: r.missing };
  } catch (err) {
    verdict({
      name,
      ok: false,
      outcome: 'inconclusive',
      source: 'reconciliation',
      detail: `could not reconcile: ${(err as Error).message}; to conclude: make the read-back reachable`,
    });
    return null;
  }
}
