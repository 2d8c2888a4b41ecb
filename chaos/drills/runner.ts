import { randomUUID } from 'node:crypto';
import { InputError } from '../../common/index.ts';
import type { DrillResult, RunEvent, RunRecordPart } from '../../reports/index.ts';
import { drills, findDrill } from './catalog.ts';
import { FaultSkipped, inject, type FaultEnvironment, type InjectedFault } from './faults.ts';
import { startDrillLoad, type DrillLoad } from './load.ts';
import { check, inWindow, recoverySeconds, type Window } from './observe.ts';
import { runProbe } from './probes.ts';
import { reconcile } from './reconcile.ts';
import type { DrillDefinition, RunDrillOptions, TimedAction } from './types.ts';

export class UnknownDrillError extends InputError {
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

function canRun(def: DrillDefinition, env: FaultEnvironment): string[] {
  const skipped: string[] = [];
  for (const t of def.method) {
    if (t.action.kind === 'process' && !env.stack) skipped.push(`${t.label}: process faults need the managed stack`);
    if (t.action.kind !== 'process' && !env.toxiproxyUrl) skipped.push(`${t.label}: no fault proxy on the ${t.action.path} path`);
  }
  return skipped;
}

/**
 * Runs one drill: verify the steady state → load throughout → inject the
 * timed faults → observe (stop conditions can end it early) → roll back,
 * always (failure, abort, Ctrl-C) → time to recover → reconcile writes →
 * a run-record part with the drill's verdict, its journal and its samples.
 */
export async function runDrill(name: string, options: RunDrillOptions): Promise<RunRecordPart> {
  const def = findDrill(name);
  if (!def) throw new UnknownDrillError(name);
  const { profile, signal } = options;
  const log = options.progress ?? (() => {});
  const env = environment(options);
  const events: RunEvent[] = [];
  const checks: DrillResult['checks'] = [];
  const event = (type: RunEvent['type'], label: string, extra: Partial<RunEvent> = {}) => {
    events.push({ ts: Date.now(), type, label, scenario: `drill:${name}`, ...extra });
    log(`${name}: ${label}`);
  };
  /** A verdict goes into the checks and onto the journal's timeline. */
  const verdict = (c: DrillResult['checks'][number]) => {
    checks.push(c);
    event(c.ok ? 'probe' : 'slo.breached', `${c.name}: ${c.ok ? 'ok' : 'NOT met'} — ${c.detail}`);
  };
  const startedAt = Date.now();
  const skipped = canRun(def, env.faults);
  if (skipped.length === def.method.length) {
    const result: DrillResult = { name, passed: true, startedAt, endedAt: Date.now(), faults: [], recoverySeconds: null, reconciliation: null, checks: [], skipped, aborted: null, windows: [] };
    return { drills: [result], notes: [...env.notes, `drill ${name} skipped: ${skipped.join('; ')}`] };
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
        checks.push({ name: `rollback of ${f.timed.label}`, ok: false, detail: (err as Error).message });
        event('note', `rollback of ${f.timed.label} failed: ${(err as Error).message}`, { id: f.id });
      }
    }
    rollbackAt ??= Date.now();
  };

  event('phase.started', `drill ${name} (${profile})`, { id: `drill:${name}` });
  try {
    load = await startDrillLoad({ baseUrl: env.targetUrl, name, rate: options.rate ?? def.load.rate[profile], writeFraction: def.load.writeFraction, runId });
    const steadyStart = Date.now();
    event('phase.started', 'steady state', { id: `steady:${name}` });
    await sleep(def.steadySeconds[profile] * 1000, signal);
    await sleep(600, signal); // let the window's last requests finish
    const steady: Window = { start: steadyStart, end: Date.now() - 600 };
    event('phase.ended', 'steady state', { id: `steady:${name}` });
    for (const objective of def.steadyState) {
      const r = check(load.observations, steady, objective);
      checks.push({ name: `steady state: ${r.name}`, ok: r.ok, detail: r.detail });
      event('probe', `steady state: ${r.name}: ${r.ok ? 'ok' : 'NOT met'} — ${r.detail}`);
    }
    if (checks.some((c) => !c.ok)) {
      aborted = 'steady state not met before the fault: nothing injected';
    } else {
      faultStart = Date.now();
      event('phase.started', 'fault', { id: `fault:${name}` });
      const plan = def.method.map((timed, i) => ({ timed, i, injected: false }));
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
            checks.push({ name: `during: ${r.name}`, ok: r.ok, detail: r.detail });
            event('probe', `${r.name}: ${r.ok ? 'ok' : 'FAILED'} — ${r.detail}`);
          }));
        }
        if (Date.now() - lastStopCheck >= 1000) {
          lastStopCheck = Date.now();
          for (const stop of def.stopConditions) {
            const w = { start: Date.now() - (stop.windowSeconds + 1) * 1000, end: Date.now() - 1000 };
            if (w.start < faultStart || inWindow(load.observations, w, stop.objective.tag).length < 3) continue;
            const r = check(load.observations, w, stop.objective);
            if (!r.ok) {
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

  // Observe recovery (even after a stop condition: recovery time is still worth knowing): at least
  // observeSeconds, until the steady state is back with 3 s of data after it, at most recoverWithin + 4 s.
  if (load && faultStart && !signal.aborted) {
    const from = Math.max(...faults.map((f) => f.end ?? 0), rollbackAt ?? 0);
    const minMs = def.observeSeconds[profile] * 1000;
    const maxMs = Math.max(minMs, (def.recoverWithinSeconds + 4) * 1000);
    try {
      for (;;) {
        await sleep(500, signal);
        const elapsed = Date.now() - from;
        if (elapsed >= maxMs + 600) break;
        if (elapsed < minMs + 600) continue;
        const rec = recoverySeconds(load.observations, def.steadyState, from, Date.now() - 600);
        if (rec !== null && Date.now() - 600 - (from + rec * 1000) >= 3000) break;
      }
    } catch {
      aborted ??= 'interrupted during recovery observation';
    }
  }
  const measured = await load?.stop();
  const endedAt = Date.now();
  const obs = load?.observations ?? [];
  const samples = (measured?.samples ?? []).map((s) => ({ ...s, scenario: `drill:${name}` }));

  let recovery: number | null = null;
  let reconciliation: DrillResult['reconciliation'] = null;
  if (faultStart && rollbackAt !== null) {
    const rolledBack: number = rollbackAt;
    const lastFaultEnd = Math.max(...faults.map((f) => f.end ?? rolledBack), rolledBack);
    const during: Window = { start: faultStart + 1000, end: Math.min(...faults.map((f) => f.end ?? lastFaultEnd), lastFaultEnd) };
    if (!aborted?.startsWith('interrupted')) {
      for (const objective of def.during) {
        const r = check(obs, during, objective);
        verdict({ name: `during: ${r.name}`, ok: r.ok, detail: r.detail });
      }
      recovery = recoverySeconds(obs, def.steadyState, lastFaultEnd, endedAt - 600);
      verdict({
        name: `steady state back within ${def.recoverWithinSeconds} s of the rollback`,
        ok: recovery !== null && recovery <= def.recoverWithinSeconds,
        detail: recovery === null ? 'did not recover in the observation time' : `recovered after ${recovery} s`,
      });
      const afterStart = lastFaultEnd + (recovery ?? def.recoverWithinSeconds) * 1000;
      for (const objective of def.after) {
        const r = check(obs, { start: afterStart, end: endedAt - 600 }, objective);
        verdict({ name: `after: ${r.name}`, ok: r.ok, detail: r.detail });
      }
    }
  }
  if (load && env.databaseUrl) {
    try {
      const r = await reconcile(env.databaseUrl, runId, load.acknowledged);
      reconciliation = { acknowledged: r.acknowledged, found: r.found, lost: r.lost, duplicated: r.duplicated };
      verdict({
        name: 'every acknowledged write is in the database exactly once',
        ok: r.lost === 0 && r.duplicated === 0,
        detail: `${r.acknowledged} acknowledged, ${r.lost} lost, ${r.duplicated} duplicated${r.lostKeys.length ? ` (lost keys: ${r.lostKeys.slice(0, 5).join(', ')})` : ''}`,
      });
    } catch (err) {
      verdict({ name: 'every acknowledged write is in the database exactly once', ok: false, detail: `could not reconcile: ${(err as Error).message}` });
    }
  }
  const passed = aborted === null && checks.every((c) => c.ok);
  event('phase.ended', `drill ${name}: ${passed ? 'passed' : 'FAILED'}`, { id: `drill:${name}` });
  const result: DrillResult = {
    name, passed, startedAt, endedAt,
    faults: faults.map((f) => ({ label: f.timed.label, start: f.start, end: f.end })),
    recoverySeconds: recovery, reconciliation, checks, skipped, aborted, windows: [],
  };
  const notes = [...env.notes, ...(measured?.notes ?? [])];
  if (load) notes.push(`drill ${name}: ${obs.length} requests, ${load.attempts.retried} retries (idempotent reads, writes with their Idempotency-Key)`);
  const engine = (measured?.engine ?? []).map((e) => ({ ...e, scenario: `drill:${name}` }));
  return { drills: [result], events, samples, engine, notes };
}
