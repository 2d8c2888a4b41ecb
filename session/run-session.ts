import { baseUrlText, isRampartError, type EnvConfig } from '../common/index.ts';
import {
  appendPart,
  createRunRecord,
  ownSpec,
  type ReportFormat,
  type RunRecord,
  type RunRecordPart,
  type SloSpec,
} from '../reports/index.ts';
import type { Drill } from '../chaos/index.ts';
import type { Suite, SuiteResult } from '../scenarios/index.ts';
import type { StartedStack } from '../stack/index.ts';
import { judgeAndWrite, type Judgement, type JudgeOptions } from './judge.ts';
import { plannedParts, stackGroups, type PlannedPart, type SessionPlan } from './plan.ts';

// The parts' libraries load when a session runs one of them, not at every start of the CLI.
// Module-level loaders: TypeScript does not rewrite the `.ts` of an import() inside a function holding an `await using`.
const scenariosDoor = () => import('../scenarios/index.ts');
const chaosDoor = () => import('../chaos/index.ts');
const securityDoor = () => import('../security/index.ts');
const stackDoor = () => import('../stack/index.ts');

export interface SessionIo {
  env: EnvConfig;
  /** Aborted on Ctrl-C: the running part stops (faults rolled back), the stack stops, what was measured is written. */
  signal: AbortSignal;
  /** The session's own lines for a person ("suite smoke (quick) against …", "starting the managed stack …"). */
  log: (line: string) => void;
  /** The load engine's live progress. */
  progress: NodeJS.WritableStream & { isTTY?: boolean };
  /** The drills' and the scan's progress lines (default: `log`, indented). */
  partLog?: (line: string) => void;
  /** The managed stack's own lines (a crash, seeding) and, without a component log file, its children's output. */
  stackLog?: (line: string) => void;
  /** Called as each suite ends, with its scenario results (the `run` command prints their summaries). */
  onSuite?: (result: SuiteResult) => void;
}

export interface SessionReports extends JudgeOptions {
  /** run.json and the reports go here. */
  outDir: string;
  /**
   * The spec the finished record is judged by; null leaves it unjudged. Default: the objectives
   * the record carries (its suites' thresholds, its drills' checks, no high finding of its scan).
   */
  spec?: (record: RunRecord) => SloSpec | null;
  /** Reports written beside run.json. */
  formats: readonly ReportFormat[];
}

export interface SessionOutcome extends Omit<Judgement, 'record'> {
  /** The run record, judged, as written to run.json. */
  record: RunRecord;
  /** The environment failure that stopped the session (the remaining parts are recorded as skipped), or null. */
  fatal: unknown;
  /** Every part's error in the order they happened (the fatal one among them). */
  errors: unknown[];
  /** Where the record and each report were written (record, html, json, junit, md). */
  written: Record<string, string>;
  interrupted: boolean;
}

type Runnable = PlannedPart & { run: (target: URL, stack: StartedStack | null) => Promise<RunRecordPart> };

function runnableParts(plan: SessionPlan, io: SessionIo): Runnable[] {
  const partLog = io.partLog ?? ((l: string) => io.log(`  ${l}`));
  // plannedParts lists the suites first, in plan order: part i < suites.length is suite i.
  return plannedParts(plan).map((p, i): Runnable => {
    if (p.kind === 'suite') {
      const suite = plan.suites[i] as Suite;
      return {
        ...p,
        run: async (target) => {
          const { runSuiteDetailed } = await scenariosDoor();
          io.log(`suite ${p.name} (${plan.profile}) against ${baseUrlText(target)}`);
          const r = await runSuiteDetailed(suite, {
            target,
            profile: plan.profile,
            signal: io.signal,
            progress: io.progress,
            ...(plan.thresholdSemantics ? { thresholdSemantics: plan.thresholdSemantics } : {}),
          });
          io.onSuite?.(r);
          return r.part;
        },
      };
    }
    if (p.kind === 'drill') {
      // Drills follow the suites in plan order: part i is drill i - suites.length.
      const drill = plan.drills[i - plan.suites.length] as Drill;
      return {
        ...p,
        run: async (target, stack) => {
          const { runDrill } = await chaosDoor();
          io.log(`drill ${p.name} against ${baseUrlText(target)}`);
          return runDrill(drill, {
            ...plan.drillOptions,
            ...(stack ? { stack } : { target }),
            signal: io.signal,
            progress: partLog,
          });
        },
      };
    }
    return {
      ...p,
      run: async (target) => {
        const { runScan } = await securityDoor();
        io.log(`scan against ${baseUrlText(target)}`);
        return runScan({ ...plan.scan, target, profile: plan.profile, signal: io.signal, progress: partLog });
      },
    };
  });
}

/**
 * Runs a plan — load suites, drills, the security scan — against `plan.target` or
 * against managed stacks (one per group of target settings, each seeded the same
 * way, stopped when its parts end or on Ctrl-C), folding every part into one run
 * record. A part that fails is recorded (its objectives then fail for missing
 * evidence) and the next one runs; an environment failure or Ctrl-C stops the
 * remaining parts. The record is then judged and written with its reports, whatever
 * happened: what was measured is never lost.
 */
export async function runSession(plan: SessionPlan, io: SessionIo, reports: SessionReports): Promise<SessionOutcome> {
  const record = createRunRecord({
    command: plan.command,
    profile: plan.profile,
    target: plan.target && baseUrlText(plan.target),
  });
  record.notes.push(...(plan.notes ?? []));
  const errors: unknown[] = [];
  let fatal: unknown = null;
  const stopped = () => io.signal.aborted || fatal !== null;
  const skipRest = (rest: PlannedPart[]) => {
    const [status, note] = io.signal.aborted
      ? (['aborted', 'interrupted'] as const)
      : (['skipped', 'not run after an environment failure'] as const);
    for (const s of rest)
      record.parts.push({ kind: s.kind, name: s.name, status, startedAt: null, endedAt: null, note });
  };
  const runPart = async (s: Runnable, url: URL, stack: StartedStack | null) => {
    const id = `session:${s.kind}:${s.name}`;
    const startedAt = Date.now();
    record.events.push({ ts: startedAt, type: 'phase.started', label: `${s.kind} ${s.name}`, id });
    try {
      appendPart(record, await s.run(url, stack));
      const aborted = io.signal.aborted;
      record.parts.push({
        kind: s.kind,
        name: s.name,
        status: aborted ? 'aborted' : 'ran',
        startedAt,
        endedAt: Date.now(),
        ...(aborted ? { note: 'interrupted' } : {}),
      });
    } catch (err) {
      const message = (err as Error).message;
      errors.push(err);
      record.parts.push({
        kind: s.kind,
        name: s.name,
        status: io.signal.aborted ? 'aborted' : 'failed',
        startedAt,
        endedAt: Date.now(),
        note: message,
      });
      record.notes.push(`${s.kind} ${s.name}: ${io.signal.aborted ? 'interrupted' : 'failed'}: ${message}`);
      io.log(`${s.kind} ${s.name} failed: ${message}`);
      if (isRampartError(err) && err.category === 'environment') fatal = err;
    }
    record.events.push({ ts: Date.now(), type: 'phase.ended', label: `${s.kind} ${s.name}`, id });
  };
  const runAll = async (parts: Runnable[], url: URL, stack: StartedStack | null) => {
    for (const [i, s] of parts.entries()) {
      if (stopped()) return skipRest(parts.slice(i));
      await runPart(s, url, stack);
    }
  };

  const all = runnableParts(plan, io);
  if (plan.target !== null) {
    for (const s of all.filter((p) => Object.keys(p.targetEnv).length > 0)) {
      record.notes.push(
        `${s.kind} ${s.name} expects target settings ${JSON.stringify(s.targetEnv)}; --target runs it against the server as it is`,
      );
    }
    await runAll(all, plan.target, null);
  } else {
    const groups = stackGroups(all);
    for (const [gi, g] of groups.entries()) {
      if (stopped()) {
        skipRest(groups.slice(gi).flatMap((x) => x.parts));
        break;
      }
      const settings = Object.entries(g.targetEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      io.log(
        `starting the managed stack (seeded: ${g.seed.users} users, ${g.seed.posts} posts)${settings ? ` with ${settings}` : ''}`,
      );
      let stack: StartedStack;
      try {
        const { startStack } = await stackDoor();
        // stateDir null: a session's stack is private to it and never replaces a running `stack up`'s stack.json.
        stack = await startStack({
          env: io.env,
          targetEnv: g.targetEnv,
          seed: g.seed,
          stateDir: null,
          signal: io.signal,
          // The fault proxy only where a drill injects through it: without one the target talks to PostgreSQL and
          // Redis directly, and a suite measures the target, not the proxy's hop (0.07-0.31 ms of CPU per request).
          proxy: g.parts.some((p) => p.kind === 'drill'),
          ...(plan.stack?.tls ? { tls: true } : {}),
          ...(plan.stack?.componentLogFile ? { componentLogFile: plan.stack.componentLogFile } : {}),
          ...(plan.stack?.lb
            ? { lb: plan.stack.lb, ...(plan.stack.instances !== undefined ? { instances: plan.stack.instances } : {}) }
            : {}),
          ...(io.stackLog ? { log: io.stackLog } : {}),
        });
      } catch (err) {
        errors.push(err);
        fatal = err;
        record.notes.push(`managed stack did not start: ${(err as Error).message}`);
        const rest = groups.slice(gi).flatMap((x) => x.parts);
        for (const s of rest)
          record.parts.push({
            kind: s.kind,
            name: s.name,
            status: 'skipped',
            startedAt: null,
            endedAt: null,
            note: 'the managed stack did not start',
          });
        break;
      }
      record.meta.target ??= stack.targetUrl;
      stack.onSupervision((e) =>
        record.events.push(
          e.type === 'instance.restarted'
            ? {
                ts: e.ts,
                type: 'process.started',
                label: `target instance ${e.instance} restarted`,
                detail: { instance: e.instance, pid: e.pid, previousPid: e.previousPid, restarts: e.restarts },
              }
            : {
                ts: e.ts,
                type: 'note',
                label:
                  e.type === 'instance.given-up'
                    ? `target instance ${e.instance} left down after ${e.crashes} crashes`
                    : `target instance ${e.instance} did not restart`,
                detail: { ...e },
              },
        ),
      );
      record.events.push({
        ts: Date.now(),
        type: 'process.ready',
        label: 'managed stack up',
        detail: {
          targetUrl: stack.targetUrl,
          targetEnv: g.targetEnv,
          seed: g.seed,
          ...(stack.lb ? { lb: stack.lb.kind, instances: stack.instanceUrls } : {}),
        },
      });
      const { sampleProcesses } = await stackDoor();
      const sampler = sampleProcesses(() => stack.pids, record.intervalMs);
      try {
        await runAll(g.parts, new URL(stack.targetUrl), stack);
      } finally {
        record.processes.push(...(await sampler.stop()));
        await stack.stop();
        record.events.push({ ts: Date.now(), type: 'process.stopped', label: 'managed stack down' });
      }
    }
  }
  record.meta.endedAt = Date.now();
  record.events.sort((a, b) => a.ts - b.ts);
  // Judged, run.json written, then the reports: a rendering problem never loses the record.
  const judged = await judgeAndWrite(record, {
    ...reports,
    spec: reports.spec ?? ((r: RunRecord) => ownSpec(r)),
    onReportError: (err) => io.log(`reports not written: ${err.message}`),
  });
  return { ...judged, fatal, errors, interrupted: io.signal.aborted };
}
