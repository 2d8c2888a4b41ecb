import { judgeWindow, type DrillObjective, type DrillResult, type RunEvent } from '../../reports/index.ts';
import type { DrillEnvironment } from './environment.ts';
import type { InjectedFault } from './faults/fault-kind.ts';
import { kindOf } from './faults/registry.ts';
import type { DrillLoad } from './load.ts';
import { windowStatsFromObservations, type Window } from './observe.ts';
import type { Drill, RunDrillOptions, TimedAction } from './types.ts';

export type Check = DrillResult['checks'][number];

export interface ActiveFault {
  timed: TimedAction;
  id: string;
  start: number;
  end: number | null;
  fault: InjectedFault;
}

/** Resolves after ms, or rejects when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
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

/**
 * What one drill run holds while its phases run (runner.ts): the journal, the recorded facts, the judged
 * windows, the faults in place, and how to inject, roll back and judge live. Phases read and write it;
 * nothing else does.
 */
/** Events this close together under one label are one moment: one progress line. */
const SAME_MOMENT_MS = 250;

export class DrillRun {
  readonly name: string;
  readonly scenario: string;
  readonly signal: AbortSignal;
  readonly events: RunEvent[] = [];
  readonly checks: Check[] = [];
  readonly windows: NonNullable<DrillResult['windows']> = [];
  readonly faults: ActiveFault[] = [];
  readonly startedAt = Date.now();
  aborted: string | null = null;
  load: DrillLoad | undefined;
  /** When the fault phase began (0: it never did). */
  faultStart = 0;
  /** When everything was rolled back. */
  rollbackAt: number | null = null;
  private readonly log: (line: string) => void;
  private readonly startedPhases = new Set<string>();
  private last = { line: '', ts: 0 };

  constructor(
    readonly drill: Drill,
    readonly env: DrillEnvironment,
    options: RunDrillOptions,
    readonly skipped: string[],
  ) {
    this.name = drill.name;
    this.scenario = `drill:${drill.name}`;
    this.signal = options.signal;
    this.log = options.progress ?? (() => {});
  }

  event(type: RunEvent['type'], label: string, extra: Partial<RunEvent> = {}): void {
    const ts = Date.now();
    this.events.push({ ts, type, label, scenario: this.scenario, ...extra });
    // A phase's end under the same label as its start would print the same line twice: say which it is.
    const ended = type === 'phase.ended' && this.startedPhases.has(label);
    if (type === 'phase.started') this.startedPhases.add(label);
    // Two events of one moment under one label (fault.injected and process.killed of a kill) are one line;
    // the same label seconds later (the next of several kills) is a line of its own.
    const line = `${this.name}: ${label}${ended ? ' over' : ''}`;
    if (line === this.last.line && ts - this.last.ts < SAME_MOMENT_MS) return;
    this.last = { line, ts };
    this.log(line);
  }

  /** A recorded fact goes into the checks and onto the journal's timeline. */
  verdict(c: Check): void {
    this.checks.push(c);
    this.event(
      c.ok ? 'probe' : 'slo.breached',
      `${c.name}: ${c.ok ? 'ok' : c.outcome === 'inconclusive' ? 'INCONCLUSIVE' : 'NOT met'} — ${c.detail}`,
    );
  }

  /** Live judgement (steady state, stop conditions): the same judgeWindow the record is judged with, on the observations so far. */
  judgeLive(w: Window, o: DrillObjective): ReturnType<typeof judgeWindow> & { count: number } {
    const stats = windowStatsFromObservations(this.load?.observations ?? [], w, o.tag, this.drill.groups);
    try {
      return { ...judgeWindow(stats, o), count: stats.count };
    } finally {
      stats.hist.destroy();
    }
  }

  /** Injects the method's faults that are due and this environment can take (the others were listed as skipped before the start). */
  async injectDue(
    plan: Array<{ timed: TimedAction; i: number; injected: boolean }>,
    elapsedSeconds: number,
  ): Promise<void> {
    for (const step of plan) {
      if (step.injected || elapsedSeconds < step.timed.at) continue;
      step.injected = true;
      const kind = kindOf(step.timed.action);
      if (kind.unavailable(step.timed.action.spec, this.env.faults)) continue;
      const id = `${this.name}:${step.i}`;
      const fault = await kind.inject(step.timed.action.spec, this.env.faults, {
        drill: this.name,
        id: String(step.i),
      });
      this.faults.push({ timed: step.timed, id, start: Date.now(), end: null, fault });
      this.event('fault.injected', step.timed.label, { id, detail: { action: step.timed.action } });
      const extra = kind.events?.(step.timed.action.spec);
      if (extra) this.event(extra.injected, step.timed.label, { id });
    }
  }

  /** Rolls one fault back; a rollback that fails is a failed check (the drill FAILs), named in the verdict. */
  async rollback(f: ActiveFault): Promise<void> {
    try {
      await f.fault.rollback();
      f.end = Date.now();
      this.event('fault.removed', `${f.timed.label} rolled back`, { id: f.id });
      const extra = kindOf(f.timed.action).events?.(f.timed.action.spec);
      if (extra) this.event(extra.restored, `${f.timed.label}: restored`, { id: f.id });
    } catch (err) {
      f.end = Date.now();
      this.verdict({
        name: `rollback of ${f.timed.label}`,
        ok: false,
        outcome: 'fail',
        source: 'rollback',
        detail: (err as Error).message,
      });
    }
  }

  /** Rolls back every fault still in place, last first. */
  async rollbackAll(): Promise<void> {
    for (const f of [...this.faults].reverse()) if (f.end === null) await this.rollback(f);
    this.rollbackAt ??= Date.now();
  }

  /** When the last fault ended (or everything was rolled back). */
  lastFaultEnd(): number {
    const rolledBack = this.rollbackAt ?? Date.now();
    return Math.max(...this.faults.map((f) => f.end ?? rolledBack), rolledBack);
  }
}
