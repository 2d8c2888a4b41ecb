import { LOAD_DID_NOT_START, judgeDrill, judgeWindow, type DrillObjective, type DrillResult, type RunEvent, type RunRecordPart } from '../../reports/index.ts';
import { drillEnvironment, preflight, unavailableFaults, type DrillEnvironment } from './environment.ts';
import type { InjectedFault } from './faults/fault-kind.ts';
import { kindOf } from './faults/registry.ts';
import { startDrillLoad, type DrillLoad } from './load.ts';
import { alignedWindow, recoverySeconds, windowStatsFromObservations, type Window } from './observe.ts';
import { runProbe } from './probes.ts';
import { reconcile } from './reconcile.ts';
import type { Drill, RunDrillOptions, TimedAction } from './types.ts';

/** Resolves after ms, or rejects when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

interface ActiveFault {
  timed: TimedAction;
  id: string;
  start: number;
  end: number | null;
  fault: InjectedFault;
}

type Check = DrillResult['checks'][number];

class LoadDidNotStart extends Error {}

/** A drill in which nothing could be injected: no load is sent, nothing is proven. Inconclusive, never passed. */
function notInjectable(drill: Drill, env: DrillEnvironment, skipped: string[], startedAt: number): RunRecordPart {
  const result: DrillResult = {
    name: drill.name, passed: false, startedAt, endedAt: Date.now(), faults: [], recoverySeconds: null, reconciliation: null, checks: [], skipped, aborted: null,
    windows: [], tags: drill.groups, profile: drill.profile,
  };
  const judged = judgeDrill({ samples: [], summaries: [] }, result);
  return {
    drills: [{ ...result, outcome: judged.outcome, ...(judged.reason ? { reason: judged.reason } : {}) }],
    notes: [...env.notes, `drill ${drill.name} INCONCLUSIVE: no fault of its method could be injected: ${skipped.join('; ')}`],
  };
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
  const { name } = drill;
  const { signal } = options;
  const scenario = `drill:${name}`;
  const log = options.progress ?? (() => {});
  const env = drillEnvironment(options);
  const events: RunEvent[] = [];
  const checks: Check[] = [];
  const windows: NonNullable<DrillResult['windows']> = [];
  const event = (type: RunEvent['type'], label: string, extra: Partial<RunEvent> = {}) => {
    events.push({ ts: Date.now(), type, label, scenario, ...extra });
    log(`${name}: ${label}`);
  };
  /** A recorded fact goes into the checks and onto the journal's timeline. */
  const verdict = (c: Check) => {
    checks.push(c);
    event(c.ok ? 'probe' : 'slo.breached', `${c.name}: ${c.ok ? 'ok' : c.outcome === 'inconclusive' ? 'INCONCLUSIVE' : 'NOT met'} — ${c.detail}`);
  };
  const startedAt = Date.now();
  const skipped = unavailableFaults(drill, env);
  if (skipped.length === drill.method.length) return notInjectable(drill, env, skipped, startedAt);
  await preflight(drill, env);

  const faults: ActiveFault[] = [];
  let aborted: string | null = null;
  let load: DrillLoad | undefined;
  let faultStart = 0;
  let rollbackAt: number | null = null;
  const removed = (f: ActiveFault) => {
    f.end = Date.now();
    event('fault.removed', `${f.timed.label} rolled back`, { id: f.id });
    const extra = kindOf(f.timed.action).events?.(f.timed.action.spec);
    if (extra) event(extra.restored, `${f.timed.label}: restored`, { id: f.id });
  };
  /** Rolls one fault back; a rollback that fails is a failed check (the drill FAILs), named in the verdict. */
  const rollback = async (f: ActiveFault) => {
    try {
      await f.fault.rollback();
      removed(f);
    } catch (err) {
      f.end = Date.now();
      verdict({ name: `rollback of ${f.timed.label}`, ok: false, outcome: 'fail', source: 'rollback', detail: (err as Error).message });
    }
  };
  /** Rolls back every fault still in place, last first. */
  const rollbackAll = async () => {
    for (const f of [...faults].reverse()) if (f.end === null) await rollback(f);
    rollbackAt ??= Date.now();
  };
  /** Live judgement (steady state, stop conditions): the same judgeWindow the record is judged with, on the observations so far. */
  const judgeLive = (w: Window, o: DrillObjective) => {
    const stats = windowStatsFromObservations(load?.observations ?? [], w, o.tag, drill.groups);
    try {
      return { ...judgeWindow(stats, o), count: stats.count };
    } finally {
      stats.hist.destroy();
    }
  };

  const injectDue = async (plan: Array<{ timed: TimedAction; i: number; injected: boolean }>, elapsed: number) => {
    for (const step of plan) {
      if (step.injected || elapsed < step.timed.at) continue;
      step.injected = true;
      const id = `${name}:${step.i}`;
      const kind = kindOf(step.timed.action);
      const why = kind.unavailable(step.timed.action.spec, env.faults);
      if (why) continue; // listed in skipped before the drill started
      const fault = await kind.inject(step.timed.action.spec, env.faults, { drill: name, id: String(step.i) });
      faults.push({ timed: step.timed, id, start: Date.now(), end: null, fault });
      event('fault.injected', step.timed.label, { id, detail: { action: step.timed.action } });
      const extra = kind.events?.(step.timed.action.spec);
      if (extra) event(extra.injected, step.timed.label, { id });
    }
  };

  /** The fault phase: inject on time, roll back each at the end of its duration, probes, stop conditions. */
  const faultPhase = async () => {
    faultStart = Date.now();
    event('phase.started', 'fault', { id: `fault:${name}` });
    const plan = drill.method.map((timed, i) => ({ timed, i, injected: false }));
    const probes = drill.probes.map((p) => ({ ...p, done: false }));
    const pendingProbes: Promise<void>[] = [];
    let lastStopCheck = Date.now();
    try {
      for (;;) {
        const elapsed = (Date.now() - faultStart) / 1000;
        await injectDue(plan, elapsed);
        for (const f of faults) if (f.end === null && Date.now() - f.start >= f.timed.duration * 1000) await rollback(f);
        for (const p of probes) {
          if (p.done || elapsed < p.at) continue;
          p.done = true;
          pendingProbes.push(runProbe(p, env.targetUrl).then((r) => {
            verdict({ name: `during: ${r.name}`, ok: r.ok, outcome: r.ok ? 'pass' : 'fail', source: 'probe', detail: r.detail });
          }));
        }
        if (Date.now() - lastStopCheck >= 1000) {
          lastStopCheck = Date.now();
          for (const stop of drill.stopConditions) {
            const w = { start: Date.now() - (stop.windowSeconds + 1) * 1000, end: Date.now() - 1000 };
            if (w.start < faultStart) continue;
            // Only a breach stops a drill: "not enough requests to tell" (inconclusive) never does.
            const r = judgeLive(w, stop.objective);
            if (r.outcome === 'fail' && r.count >= 3) {
              aborted = `stop condition: ${r.name} — ${r.detail}`;
              event('slo.breached', aborted, { detail: { stopCondition: true } });
            }
          }
        }
        const allDone = plan.every((s) => s.injected) && faults.every((f) => f.end !== null);
        if (allDone || aborted) break;
        await sleep(100, signal);
      }
    } finally {
      await Promise.all(pendingProbes);
    }
  };

  event('phase.started', `drill ${name} (${drill.profile})`, { id: `drill:${name}` });
  try {
    load = startDrillLoad({ baseUrl: env.targetUrl, scenario: drill.load.scenario, reconcile: drill.reconcile, signal, ...(options.rate ? { rate: options.rate } : {}) });
    try {
      await load.started;
    } catch (err) {
      // The load never ran (its setup failed: a route the target does not have, refused logins): nothing was
      // shown about the target under a fault, either way.
      if (signal.aborted) throw err;
      throw new LoadDidNotStart((err as Error).message);
    }
    event('phase.started', 'steady state', { id: `steady:${name}` });
    // The first seconds of load (connections, caches, a cold generator) are not judged. Then whole seconds, as the
    // samples are bucketed: the window judged live is the one the record holds.
    const steadyFrom = Math.ceil((Date.now() + drill.load.warmUpSeconds * 1000) / 1000) * 1000;
    await sleep(steadyFrom + drill.steadySeconds * 1000 - Date.now(), signal);
    const steady = alignedWindow(steadyFrom, Date.now());
    windows.push({ phase: 'steady', ...steady, objectives: drill.steadyState });
    event('phase.ended', 'steady state', { id: `steady:${name}` });
    const failed: string[] = [];
    for (const objective of drill.steadyState) {
      const r = judgeLive(steady, objective);
      event('probe', `steady state: ${r.name}: ${r.outcome === 'pass' ? 'ok' : r.outcome.toUpperCase()} — ${r.detail}`);
      if (r.outcome === 'fail') failed.push(r.name);
    }
    // An unproven steady state (too few requests) still gets its fault; the drill then ends inconclusive.
    if (failed.length > 0) aborted = `steady state not met before the fault (${failed.join('; ')}): nothing injected`;
    else await faultPhase();
  } catch (err) {
    aborted = signal.aborted ? 'interrupted: faults rolled back, measurements kept'
      : err instanceof LoadDidNotStart ? `${LOAD_DID_NOT_START}: ${err.message}; nothing injected` : `error: ${(err as Error).message}`;
    event('note', aborted);
  } finally {
    await rollbackAll();
    if (faultStart) event('phase.ended', 'fault', { id: `fault:${name}` });
  }

  // Observe recovery (even after a stop condition: recovery time is still worth knowing): until the
  // steady state is back and the window after it holds observeSeconds whole seconds, at most recoverWithin
  // + observeSeconds + 2 s. Recovery time is an observation (point values over 2 s windows), a recorded fact.
  let observedUntil = Date.now();
  if (load && faultStart && !signal.aborted) {
    const from = Math.max(...faults.map((f) => f.end ?? 0), rollbackAt ?? 0);
    const maxMs = (drill.recoverWithinSeconds + drill.observeSeconds + 2) * 1000;
    try {
      for (;;) {
        await sleep(500, signal);
        const now = Date.now();
        if (now - from >= maxMs) break;
        const rec = recoverySeconds(load.observations, drill.steadyState, from, now - 600, drill.groups);
        if (rec !== null && now - (from + rec * 1000) >= (drill.observeSeconds + 1) * 1000) break;
      }
    } catch {
      aborted ??= 'interrupted during recovery observation';
    }
    observedUntil = Date.now();
  }
  const measured = await load?.stop();
  const endedAt = Date.now();
  const obs = load?.observations ?? [];
  const samples = (measured?.samples ?? []).map((s) => ({ ...s, scenario }));
  const summaries = (measured?.summaries ?? []).map((s) => ({ ...s, scenario }));
  const interrupted = signal.aborted || aborted?.startsWith('interrupted');

  let recovery: number | null = null;
  if (faultStart && rollbackAt !== null && !interrupted) {
    const rolledBack: number = rollbackAt;
    const lastFaultEnd = Math.max(...faults.map((f) => f.end ?? rolledBack), rolledBack);
    windows.push({ phase: 'during', ...alignedWindow(faultStart + 1000, lastFaultEnd), objectives: drill.during });
    recovery = recoverySeconds(obs, drill.steadyState, lastFaultEnd, observedUntil - 600, drill.groups);
    const ok = recovery !== null && recovery <= drill.recoverWithinSeconds;
    verdict({
      name: `steady state back within ${drill.recoverWithinSeconds} s of the rollback`, ok, outcome: ok ? 'pass' : 'fail', source: 'recovery',
      detail: recovery === null ? 'did not recover in the observation time' : `recovered after ${recovery} s`,
    });
    windows.push({ phase: 'after', ...alignedWindow(lastFaultEnd + (recovery ?? drill.recoverWithinSeconds) * 1000, observedUntil), objectives: drill.after });
  }
  const reconciliation = load && faultStart && !interrupted && drill.reconcile.length > 0 ? await reconcileWrites(drill, env, load, signal, verdict) : null;

  const result: DrillResult = {
    name, passed: false, startedAt, endedAt,
    faults: faults.map((f) => ({ label: f.timed.label, start: f.start, end: f.end })),
    recoverySeconds: recovery, reconciliation, checks, skipped, aborted, windows, tags: drill.groups, profile: drill.profile,
  };
  // One evaluation: the window checks recomputed from the samples, exactly as `rampart report` does.
  const judged = judgeDrill({ samples, summaries }, result);
  result.checks = judged.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail, outcome: c.outcome, ...(c.source ? { source: c.source } : {}) }));
  result.outcome = judged.outcome;
  result.passed = judged.outcome === 'pass';
  if (judged.reason) result.reason = judged.reason;
  for (const c of judged.checks.filter((c) => c.source === 'window' || c.source === 'steady-state')) {
    events.push({ ts: endedAt, type: c.outcome === 'fail' ? 'slo.breached' : 'probe', label: `${c.name}: ${c.outcome === 'pass' ? 'ok' : c.outcome.toUpperCase()} — ${c.detail}`, scenario });
  }
  event('phase.ended', `drill ${name}: ${judged.outcome.toUpperCase()}`, { id: `drill:${name}` });
  const notes = [...env.notes, ...(measured?.notes ?? [])];
  if (skipped.length > 0) notes.push(`drill ${name}: faults not injected here: ${skipped.join('; ')}`);
  if (load) notes.push(`drill ${name}: ${obs.length} requests, ${load.attempts.retried} retries`);
  const engine = (measured?.engine ?? []).map((e) => ({ ...e, scenario }));
  return { drills: [result], events, samples, engine, summaries, notes };
}

/** Reconciliation as a recorded fact: every acknowledged write found, none duplicated; the missing ones named. */
async function reconcileWrites(drill: Drill, env: DrillEnvironment, load: DrillLoad, signal: AbortSignal, verdict: (c: Check) => void): Promise<DrillResult['reconciliation']> {
  const what = [...new Set(drill.reconcile.map((r) => r.writes))].join(', ');
  const name = `every acknowledged write (${what}) is found afterwards${drill.reconcile.some((r) => r.sql) ? ', exactly once' : ''}`;
  try {
    const r = await reconcile(drill.reconcile, load.acknowledged, { baseUrl: env.targetUrl, databaseUrl: env.databaseUrl, signal });
    // An acknowledged write whose answer held no id cannot be read back: nothing is proven about it.
    const unidentified = [...load.unidentified.values()].reduce((a, b) => a + b, 0);
    const ok = r.lost === 0 && r.duplicated === 0 && r.acknowledged > 0 && unidentified === 0;
    const named = r.missing.slice(0, 10).map((m) => `${m.writes} id ${m.id} acknowledged at ${new Date(m.at).toISOString().slice(11, 23)}: ${m.detail}`);
    const detail = `${r.acknowledged} acknowledged, ${r.found} found, ${r.lost} lost, ${r.duplicated} duplicated`
      + (named.length ? ` (${named.join('; ')}${r.missing.length > named.length ? `; and ${r.missing.length - named.length} more in run.json` : ''})` : '')
      + (r.acknowledged === 0 ? '; to conclude: the load must have writes acknowledged (2xx) to read back' : '')
      + (unidentified > 0 ? `; ${unidentified} acknowledged answers held no id where reconcile.id says, so they could not be read back; to conclude: point id at a field every answer has` : '');
    const failed = r.lost > 0 || r.duplicated > 0;
    verdict({ name, ok, outcome: ok ? 'pass' : failed ? 'fail' : 'inconclusive', source: 'reconciliation', detail });
    return { acknowledged: r.acknowledged, found: r.found, lost: r.lost, duplicated: r.duplicated, missing: r.missing };
  } catch (err) {
    verdict({ name, ok: false, outcome: 'inconclusive', source: 'reconciliation', detail: `could not reconcile: ${(err as Error).message}; to conclude: make the read-back reachable` });
    return null;
  }
}
