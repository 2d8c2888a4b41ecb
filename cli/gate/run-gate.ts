import type { EnvConfig } from '../../common/index.ts';
import { isRampartError } from '../../common/index.ts';
import { runDrill } from '../../chaos/index.ts';
import { appendPart, createRunRecord, type RunPart, type RunRecord, type RunRecordPart } from '../../reports/index.ts';
import { runSuiteDetailed } from '../../scenarios/index.ts';
import { runScan } from '../../security/index.ts';
import { startStack, type StartedStack } from '../../stack/index.ts';
import type { GatePlan } from './plan.ts';

export interface GateIo {
  env: EnvConfig;
  signal: AbortSignal;
  /** One line of progress for a person (stderr). */
  log: (line: string) => void;
  progress: NodeJS.WritableStream & { isTTY?: boolean };
  suppressionsFile?: string;
}

interface Step {
  kind: RunPart['kind'];
  name: string;
  /** Target environment this step needs from a managed stack ({} = the target's defaults). */
  targetEnv: Record<string, string>;
  run: (target: string, stack: StartedStack | null) => Promise<RunRecordPart>;
}

export interface GateOutcome {
  record: RunRecord;
  /** An environment failure that stopped the gate (exit 3 once reports are written). */
  fatal: unknown;
}

function steps(plan: GatePlan, io: GateIo): Step[] {
  // Suites run from their loaded definition (runSuiteDetailed), so a suite given as a file works like a named one.
  const out: Step[] = plan.suites.map((suite) => ({
    kind: 'suite' as const, name: suite.name, targetEnv: suite.stack.targetEnv,
    run: async (target) => (await runSuiteDetailed(suite, { target, profile: plan.profile, signal: io.signal, progress: io.progress })).part,
  }));
  for (const name of plan.drills) {
    out.push({
      kind: 'drill', name, targetEnv: {},
      run: (target, stack) => runDrill(name, {
        ...(stack ? { stack } : { target, ...(io.env.toxiproxyUrl ? { toxiproxyUrl: io.env.toxiproxyUrl } : {}), ...(io.env.databaseUrl ? { databaseUrl: io.env.databaseUrl } : {}) }),
        profile: plan.profile, signal: io.signal, progress: (l) => io.log(`  ${l}`),
      }),
    });
  }
  if (plan.scan) {
    out.push({
      kind: 'scan', name: 'security', targetEnv: {},
      run: (target) => runScan({
        target, profile: plan.profile, signal: io.signal, progress: (l) => io.log(`  ${l}`),
        ...(io.env.zapUrl ? { zapUrl: io.env.zapUrl } : {}), ...(io.env.zapApiKey ? { zapApiKey: io.env.zapApiKey } : {}),
        ...(io.suppressionsFile ? { suppressionsFile: io.suppressionsFile } : {}),
      }),
    });
  }
  return out;
}

const envKey = (e: Record<string, string>) => JSON.stringify(Object.entries(e).sort(([a], [b]) => a.localeCompare(b)));

/** Steps grouped by the target environment they need, in order of first appearance (one managed stack per group). */
function groups(list: Step[]): Step[][] {
  const byKey = new Map<string, Step[]>();
  for (const s of list) {
    const k = envKey(s.targetEnv);
    const g = byKey.get(k);
    if (g) g.push(s);
    else byKey.set(k, [s]);
  }
  return [...byKey.values()];
}

/**
 * Runs the plan against --target or against managed stacks, folding every
 * part into one run record. A part that fails is recorded (and its objectives
 * then fail for missing evidence); an environment failure or Ctrl-C stops the
 * remaining parts, and the record still holds everything measured so far.
 */
export async function runGate(plan: GatePlan, target: string | null, io: GateIo): Promise<GateOutcome> {
  const record = createRunRecord({ command: 'gate', profile: plan.profile, target });
  record.notes.push(...plan.notes);
  let fatal: unknown = null;
  const skipRest = (rest: Step[], status: 'aborted' | 'skipped', note: string) => {
    for (const s of rest) record.parts.push({ kind: s.kind, name: s.name, status, startedAt: null, endedAt: null, note });
  };
  const runStep = async (s: Step, url: string, stack: StartedStack | null) => {
    const id = `gate:${s.kind}:${s.name}`;
    const startedAt = Date.now();
    io.log(`gate: ${s.kind} ${s.name}`);
    record.events.push({ ts: startedAt, type: 'phase.started', label: `${s.kind} ${s.name}`, id });
    try {
      appendPart(record, await s.run(url, stack));
      const aborted = io.signal.aborted;
      record.parts.push({ kind: s.kind, name: s.name, status: aborted ? 'aborted' : 'ran', startedAt, endedAt: Date.now(), ...(aborted ? { note: 'interrupted' } : {}) });
    } catch (err) {
      const message = (err as Error).message;
      record.parts.push({ kind: s.kind, name: s.name, status: io.signal.aborted ? 'aborted' : 'failed', startedAt, endedAt: Date.now(), note: message });
      record.notes.push(`${s.kind} ${s.name}: ${io.signal.aborted ? 'interrupted' : 'failed'}: ${message}`);
      io.log(`gate: ${s.kind} ${s.name} failed: ${message}`);
      if (isRampartError(err) && err.category === 'environment') fatal = err;
    }
    record.events.push({ ts: Date.now(), type: 'phase.ended', label: `${s.kind} ${s.name}`, id });
  };

  const all = steps(plan, io);
  if (target !== null) {
    const special = all.filter((s) => Object.keys(s.targetEnv).length > 0);
    for (const s of special) record.notes.push(`${s.kind} ${s.name} expects target settings ${JSON.stringify(s.targetEnv)}; --target runs it against the server as it is`);
    for (const [i, s] of all.entries()) {
      if (io.signal.aborted || fatal) {
        skipRest(all.slice(i), io.signal.aborted ? 'aborted' : 'skipped', io.signal.aborted ? 'interrupted' : 'not run after an environment failure');
        break;
      }
      await runStep(s, target, null);
    }
  } else {
    const gs = groups(all);
    for (const [gi, g] of gs.entries()) {
      if (io.signal.aborted || fatal) {
        skipRest(gs.slice(gi).flat(), io.signal.aborted ? 'aborted' : 'skipped', io.signal.aborted ? 'interrupted' : 'not run after an environment failure');
        break;
      }
      const targetEnv = g[0]?.targetEnv ?? {};
      io.log(`gate: starting the managed stack${Object.keys(targetEnv).length ? ` with ${JSON.stringify(targetEnv)}` : ''}`);
      let stack: StartedStack;
      try {
        stack = await startStack({ env: io.env, targetEnv, stateDir: null, signal: io.signal });
      } catch (err) {
        fatal = err;
        record.notes.push(`managed stack did not start: ${(err as Error).message}`);
        skipRest(gs.slice(gi).flat(), 'skipped', 'the managed stack did not start');
        break;
      }
      record.events.push({ ts: Date.now(), type: 'process.ready', label: 'managed stack up', detail: { targetUrl: stack.targetUrl, targetEnv } });
      try {
        for (const [i, s] of g.entries()) {
          if (io.signal.aborted || fatal) {
            skipRest(g.slice(i), io.signal.aborted ? 'aborted' : 'skipped', io.signal.aborted ? 'interrupted' : 'not run after an environment failure');
            break;
          }
          await runStep(s, stack.targetUrl, stack);
        }
      } finally {
        await stack.stop();
        record.events.push({ ts: Date.now(), type: 'process.stopped', label: 'managed stack down' });
      }
    }
  }
  record.meta.endedAt = Date.now();
  record.events.sort((a, b) => a.ts - b.ts);
  return { record, fatal };
}
