import { randomUUID } from 'node:crypto';
import { InputError } from '../../common/index.ts';
import { judgeDrill, judgeWindow, type DrillObjective, type DrillResult, type RunEvent, type RunRecordPart } from '../../reports/index.ts';
import { drills, findDrill, forProfile } from './catalog.ts';
import { FaultSkipped, inject, type FaultEnvironment, type InjectedFault } from './faults.ts';
import { drillTags, startDrillLoad, type DrillLoad } from './load.ts';
import { alignedWindow, recoverySeconds, windowStatsFromObservations, type Window } from './observe.ts';
import { runProbe } from './probes.ts';
import { reconcile } from './reconcile.ts';
import type { DrillDefinition, RunDrillOptions, TimedAction } from './types.ts';

export class UnknownDrillError extends InputError<'RAMPART_UNKNOWN_DRILL'> {
  constructor(name: string) {
    super('RAMPART_UNKNOWN_DRILL', `there is no drill named "${name}"`, { hint: `choose one of: ${drills.map((d) => d.name).join(', ')}, or all` });
  }
}

export function listDrills(): { name: string; title: string; description: string }[] {
  return drills.map(({ name, title, description }) => ({ name, title, description }));
}

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

function environment(options: RunDrillOptions): { targetUrl: string; faults: FaultEnvironment; databaseUrl: string | null; notes: string[] } {
  const notes: string[] = [];
  if (options.stack) {
    const { stack } = options;
    if (!stack.proxyUrl || !stack.proxies) notes.push('the managed stack runs without the fault proxy: network faults are skipped');
    return {
      targetUrl: stack.targetUrl,
      databaseUrl: stack.postgresUrl,
      notes,
      faults: { toxiproxyUrl: stack.proxyUrl, proxyNames: stack.proxies ?? { postgres: 'postgres', redis: 'redis' }, stack },
    };
  }
  if (!options.target) throw new InputError('RAMPART_DRILL_NO_TARGET', 'a drill needs the managed stack or --target URL', { hint: 'run without --target to use the managed stack' });
  if (!options.toxiproxyUrl) notes.push('no --toxiproxy given: network faults are skipped');
  notes.push('external target: process faults (kill/stop/pause) are skipped, rampart cannot reach its processes');
  if (!options.databaseUrl) notes.push('no DATABASE_URL for the external target: acknowledged writes are not reconciled');
  return {
    targetUrl: options.target,
    databaseUrl: options.databaseUrl ?? null,
    notes,
    faults: {
      toxiproxyUrl: options.toxiproxyUrl ?? null,
      proxyNames: { postgres: options.proxyNames?.postgres ?? 'postgres', redis: options.proxyNames?.redis ?? 'redis' },
      stack: null,
    },
  };
}

/** The faults of the method this environment cannot inject, each with what would let it. */
function canRun(def: DrillDefinition, method: TimedAction[], env: FaultEnvironment): string[] {
  const skipped: string[] = [];
  for (const t of method) {
    if (t.action.kind === 'process' && !env.stack) skipped.push(`${t.label}: process faults need the managed stack (run \`rampart drill ${def.name}\` without --target)`);
    if (t.action.kind !== 'process' && !env.toxiproxyUrl) skipped.push(`${t.label}: no fault proxy on the ${t.action.path} path (give --toxiproxy URL of a Toxiproxy in front of the target's ${t.action.path}, or run without --target)`);
  }
  return skipped;
}

type Check = DrillResult['checks'][number];

/** Load before the steady-state window starts. */
const WARM_UP_MS = 5000;

/**
 * Runs one drill: verify the steady state → load throughout → inject the
 * timed faults → observe (stop conditions can end it early) → roll back,
 * always (failure, abort, Ctrl-C) → time to recover → reconcile writes →
 * a run-record part: the drill's windows with the objectives each is held to,
 * its recorded facts (probes, rollback, recovery, reconciliation), its journal,
 * samples and load summary. Its outcome is reports' judgeDrill over that part:
 * the same evaluation `rampart report` makes from run.json.
 */
export async function runDrill(name: string, options: RunDrillOptions): Promise<RunRecordPart> {
  const def = findDrill(name);
  if (!def) throw new UnknownDrillError(name);
  const { profile, signal } = options;
  const steadyState = forProfile(def.steadyState, profile);
  const duringObjectives = forProfile(def.during, profile);
  const afterObjectives = forProfile(def.after, profile);
  const method = forProfile(def.method, profile);
  const log = options.progress ?? (() => {});
  const env = environment(options);
  const events: RunEvent[] = [];
  const checks: Check[] = [];
  const windows: NonNullable<DrillResult['windows']> = [];
  const tags = { read: [...drillTags.read], write: [...drillTags.write] };
  const event = (type: RunEvent['type'], label: string, extra: Partial<RunEvent> = {}) => {
    events.push({ ts: Date.now(), type, label, scenario: `drill:${name}`, ...extra });
    log(`${name}: ${label}`);
  };
  /** A recorded fact goes into the checks and onto the journal's timeline. */
  const verdict = (c: Check) => {
    checks.push(c);
    event(c.ok ? 'probe' : 'slo.breached', `${c.name}: ${c.ok ? 'ok' : 'NOT met'} — ${c.detail}`);
  };
  const startedAt = Date.now();
  const skipped = canRun(def, method, env.faults);
  if (skipped.length === method.length) {
    // Nothing could be injected: no load is sent, nothing is proven. Inconclusive, never passed.
    const result: DrillResult = {
      name, passed: false, startedAt, endedAt: Date.now(), faults: [], recoverySeconds: null, reconciliation: null, checks: [], skipped, aborted: null,
      windows: [], tags, profile,
    };
    const judged = judgeDrill({ samples: [], summaries: [] }, result);
    return {
      drills: [{ ...result, outcome: judged.outcome, ...(judged.reason ? { reason: judged.reason } : {}) }],
      notes: [...env.notes, `drill ${name} INCONCLUSIVE: no fault of its method could be injected: ${skipped.join('; ')}`],
    };
  }

  const runId = randomUUID().replaceAll('-', '').slice(0, 12);
  const faults: ActiveFault[] = [];
  let aborted: string | null = null;
  let load: DrillLoad | undefined;
  let faultStart = 0;
  let rollbackAt: number | null = null;
  const rollbackAll = async () => {
    for (const f of [...faults].reverse()) {
      if (f.end !== null) continue;
      try {
        await f.fault.rollback();
        f.end = Date.now();
        event('fault.removed', `${f.timed.label} rolled back`, { id: f.id });
        if (f.timed.action.kind === 'process') event('process.ready', `${f.timed.action.component} ready`, { id: f.id });
      } catch (err) {
        f.end = Date.now();
        checks.push({ name: `rollback of ${f.timed.label}`, ok: false, outcome: 'fail', source: 'rollback', detail: (err as Error).message });
        event('note', `rollback of ${f.timed.label} failed: ${(err as Error).message}`, { id: f.id });
      }
    }
    rollbackAt ??= Date.now();
  };
  /** Live judgement (steady state, stop conditions): the same judgeWindow the record is judged with, on the observations so far. */
  const judgeLive = (w: Window, o: DrillObjective) => {
    const stats = windowStatsFromObservations(load?.observations ?? [], w, o.tag);
    try {
      return { ...judgeWindow(stats, o), count: stats.count };
    } finally {
      stats.hist.destroy();
    }
  };

  event('phase.started', `drill ${name} (${profile})`, { id: `drill:${name}` });
  try {
    load = await startDrillLoad({ baseUrl: env.targetUrl, name, rate: options.rate ?? def.load.rate[profile], writeFraction: def.load.writeFraction, runId });
    event('phase.started', 'steady state', { id: `steady:${name}` });
    // The first seconds of load (connections, caches, a cold generator) are not judged. Then whole seconds, as the
    // samples are bucketed: the window judged live is the one the record holds.
    const steadyFrom = Math.ceil((Date.now() + WARM_UP_MS) / 1000) * 1000;
    await sleep(steadyFrom + def.steadySeconds[profile] * 1000 - Date.now(), signal);
    const steady = alignedWindow(steadyFrom, Date.now());
    windows.push({ phase: 'steady', ...steady, objectives: steadyState });
    event('phase.ended', 'steady state', { id: `steady:${name}` });
    const failed: string[] = [];
    for (const objective of steadyState) {
      const r = judgeLive(steady, objective);
      event('probe', `steady state: ${r.name}: ${r.outcome === 'pass' ? 'ok' : r.outcome.toUpperCase()} — ${r.detail}`);
      if (r.outcome === 'fail') failed.push(r.name);
    }
    // An unproven steady state (too few requests) still gets its fault; the drill then ends inconclusive.
    if (failed.length > 0) {
      aborted = `steady state not met before the fault (${failed.join('; ')}): nothing injected`;
    } else {
      faultStart = Date.now();
      event('phase.started', 'fault', { id: `fault:${name}` });
      const plan = method.map((timed, i) => ({ timed, i, injected: false }));
      const probes = (def.probes ?? []).map((p) => ({ ...p, done: false }));
      const pendingProbes: Promise<void>[] = [];
      let lastStopCheck = Date.now();
      for (;;) {
        const elapsed = (Date.now() - faultStart) / 1000;
        for (const step of plan) {
          if (step.injected || elapsed < step.timed.at) continue;
          step.injected = true;
          const id = `${name}:${step.i}`;
          try {
            const fault = await inject(env.faults, step.timed.action, name);
            faults.push({ timed: step.timed, id, start: Date.now(), end: null, fault });
            event('fault.injected', step.timed.label, { id, detail: { action: step.timed.action } });
            if (step.timed.action.kind === 'process') event(`process.${step.timed.action.op === 'kill' ? 'killed' : step.timed.action.op === 'stop' ? 'stopped' : 'paused'}`, step.timed.label, { id });
          } catch (err) {
            if (!(err instanceof FaultSkipped)) throw err;
            skipped.push(`${step.timed.label}: ${err.message}`);
          }
        }
        for (const f of faults) {
          if (f.end === null && Date.now() - f.start >= f.timed.duration[profile] * 1000) {
            await f.fault.rollback();
            f.end = Date.now();
            event('fault.removed', `${f.timed.label} rolled back`, { id: f.id });
            if (f.timed.action.kind === 'process') event('process.ready', `${f.timed.action.component} ready`, { id: f.id });
          }
        }
        for (const p of probes) {
          if (p.done || elapsed < p.at) continue;
          p.done = true;
          pendingProbes.push(runProbe(p.probe, env.targetUrl).then((r) => {
            verdict({ name: `during: ${r.name}`, ok: r.ok, outcome: r.ok ? 'pass' : 'fail', source: 'probe', detail: r.detail });
          }));
        }
        if (Date.now() - lastStopCheck >= 1000) {
          lastStopCheck = Date.now();
          for (const stop of def.stopConditions) {
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
      await Promise.all(pendingProbes);
    }
  } catch (err) {
    aborted = signal.aborted ? 'interrupted: faults rolled back, measurements kept' : `error: ${(err as Error).message}`;
    event('note', aborted);
  } finally {
    await rollbackAll();
    if (faultStart) event('phase.ended', 'fault', { id: `fault:${name}` });
  }

  // Observe recovery (even after a stop condition: recovery time is still worth knowing): until the
  // steady state is back and the window after it holds observeSeconds whole seconds, at most recoverWithin
  // + observeSeconds + 2 s. Recovery time is an observation (point values over 2 s windows), a recorded fact.
  let observedUntil = Date.now();
  const afterSeconds = def.observeSeconds[profile];
  if (load && faultStart && !signal.aborted) {
    const from = Math.max(...faults.map((f) => f.end ?? 0), rollbackAt ?? 0);
    const maxMs = (def.recoverWithinSeconds + afterSeconds + 2) * 1000;
    try {
      for (;;) {
        await sleep(500, signal);
        const now = Date.now();
        if (now - from >= maxMs) break;
        const rec = recoverySeconds(load.observations, steadyState, from, now - 600);
        if (rec !== null && now - (from + rec * 1000) >= (afterSeconds + 1) * 1000) break;
      }
    } catch {
      aborted ??= 'interrupted during recovery observation';
    }
    observedUntil = Date.now();
  }
  const measured = await load?.stop();
  const endedAt = Date.now();
  const obs = load?.observations ?? [];
  const scenario = `drill:${name}`;
  const samples = (measured?.samples ?? []).map((s) => ({ ...s, scenario }));
  const summaries = (measured?.summaries ?? []).map((s) => ({ ...s, scenario }));

  let recovery: number | null = null;
  let reconciliation: DrillResult['reconciliation'] = null;
  if (faultStart && rollbackAt !== null && !aborted?.startsWith('interrupted')) {
    const rolledBack: number = rollbackAt;
    const lastFaultEnd = Math.max(...faults.map((f) => f.end ?? rolledBack), rolledBack);
    windows.push({ phase: 'during', ...alignedWindow(faultStart + 1000, lastFaultEnd), objectives: duringObjectives });
    recovery = recoverySeconds(obs, steadyState, lastFaultEnd, observedUntil - 600);
    verdict({
      name: `steady state back within ${def.recoverWithinSeconds} s of the rollback`,
      ok: recovery !== null && recovery <= def.recoverWithinSeconds,
      outcome: recovery !== null && recovery <= def.recoverWithinSeconds ? 'pass' : 'fail',
      source: 'recovery',
      detail: recovery === null ? 'did not recover in the observation time' : `recovered after ${recovery} s`,
    });
    windows.push({ phase: 'after', ...alignedWindow(lastFaultEnd + (recovery ?? def.recoverWithinSeconds) * 1000, observedUntil), objectives: afterObjectives });
  }
  if (load && env.databaseUrl) {
    const rname = 'every acknowledged write is in the database exactly once';
    try {
      const r = await reconcile(env.databaseUrl, runId, load.acknowledged);
      reconciliation = { acknowledged: r.acknowledged, found: r.found, lost: r.lost, duplicated: r.duplicated };
      const ok = r.lost === 0 && r.duplicated === 0;
      verdict({
        name: rname, ok, outcome: ok ? 'pass' : 'fail', source: 'reconciliation',
        detail: `${r.acknowledged} acknowledged, ${r.lost} lost, ${r.duplicated} duplicated${r.lostKeys.length ? ` (lost keys: ${r.lostKeys.slice(0, 5).join(', ')})` : ''}`,
      });
    } catch (err) {
      verdict({ name: rname, ok: false, outcome: 'inconclusive', source: 'reconciliation', detail: `could not reconcile: ${(err as Error).message}; to conclude: make DATABASE_URL reachable` });
    }
  }

  const result: DrillResult = {
    name, passed: false, startedAt, endedAt,
    faults: faults.map((f) => ({ label: f.timed.label, start: f.start, end: f.end })),
    recoverySeconds: recovery, reconciliation, checks, skipped, aborted, windows, tags, profile,
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
  if (load) notes.push(`drill ${name}: ${obs.length} requests, ${load.attempts.retried} retries (idempotent reads, writes with their Idempotency-Key)`);
  const engine = (measured?.engine ?? []).map((e) => ({ ...e, scenario }));
  return { drills: [result], events, samples, engine, summaries, notes };
}
