import { setTimeout as sleep } from 'node:timers/promises';
import type { RunRecordPart } from '../reports/index.ts';
import { parseDuration } from '../common/index.ts';
import { runScenario, type ScenarioResult } from './engine.ts';
import type { OnResponse } from './flow/iteration.ts';
import type { ProgressStream } from './progress.ts';
import type { Profile } from '../common/index.ts';
import { loadSuite, type Suite } from './suites.ts';
import { analyze, beforeRun } from './analysis.ts';
import type { ThresholdSemantics } from './thresholds/earned.ts';

export interface RunSuiteOptions {
  target: URL;
  profile: Profile;
  signal?: AbortSignal;
  progress?: ProgressStream;
  onResponse?: OnResponse;
  /** How thresholds are judged (default rampart: a PASS earned at 95 % confidence). */
  thresholdSemantics?: ThresholdSemantics;
}

export interface SuiteResult {
  suite: Suite;
  part: RunRecordPart;
  results: ScenarioResult[];
  /** True when any threshold of any scenario failed. */
  failed: boolean;
}

function merge(into: RunRecordPart, part: RunRecordPart): void {
  for (const [k, v] of Object.entries(part) as Array<[keyof RunRecordPart, unknown[]]>) {
    if (!v) continue;
    ((into[k] ??= []) as unknown[]).push(...v);
  }
}

/** Runs every scenario of a suite in order (or overlapping at their startTime, as k6 does, when any has one) and returns the details (the CLI's `run` uses this). */
export async function runSuiteDetailed(nameOrSuite: string | Suite, o: RunSuiteOptions): Promise<SuiteResult> {
  const suite = typeof nameOrSuite === 'string' ? loadSuite(nameOrSuite, o.profile) : nameOrSuite;
  const part: RunRecordPart = {
    scenarios: [],
    samples: [],
    engine: [],
    events: [],
    summaries: [],
    thresholds: [],
    notes: [],
  };
  if (suite.scenarios.some((s) => s.startTime !== undefined)) return runOverlapping(suite, o, part);
  const results: ScenarioResult[] = [];
  for (const scenario of suite.scenarios) {
    if (o.signal?.aborted) {
      part.notes?.push(`${suite.name}/${scenario.name}: not run (interrupted)`);
      continue;
    }
    const before = await beforeRun(suite.analysis, o.target);
    const opts: Parameters<typeof runScenario>[1] = { baseUrl: o.target };
    if (o.signal) opts.signal = o.signal;
    if (o.progress) opts.progress = o.progress;
    if (o.onResponse) opts.onResponse = o.onResponse;
    if (o.thresholdSemantics) opts.thresholdSemantics = o.thresholdSemantics;
    const r = await runScenario(scenario, opts);
    await analyze(suite.analysis, scenario, r.part, r.summary.startedAt, o.target, before);
    merge(part, r.part);
    results.push(r);
    if (r.aborted && r.abortReason?.startsWith('interrupted')) break;
  }
  return { suite, part, results, failed: results.some((r) => r.thresholds.some((t) => !t.ok)) };
}

/**
 * As k6 runs scenarios: each starts at its startTime (default 0) after the suite starts, overlapping the
 * others; results and the run record keep the suite's order.
 */
async function runOverlapping(suite: Suite, o: RunSuiteOptions, part: RunRecordPart): Promise<SuiteResult> {
  const { target, profile: _profile, ...passed } = o;
  const t0 = performance.now();
  const runs = suite.scenarios.map(async (scenario): Promise<ScenarioResult | null> => {
    const wait = parseDuration(scenario.startTime ?? 0) - (performance.now() - t0);
    if (wait > 0) await sleep(wait, undefined, o.signal ? { signal: o.signal } : {}).catch(() => undefined);
    if (o.signal?.aborted) return null;
    const before = await beforeRun(suite.analysis, target);
    const r = await runScenario(scenario, { ...passed, baseUrl: target });
    await analyze(suite.analysis, scenario, r.part, r.summary.startedAt, target, before);
    return r;
  });
  const results: ScenarioResult[] = [];
  (await Promise.all(runs)).forEach((r, i) => {
    if (r === null)
      part.notes?.push(`${suite.name}/${suite.scenarios[i]?.name ?? i}: not run (interrupted before its startTime)`);
    else {
      merge(part, r.part);
      results.push(r);
    }
  });
  return { suite, part, results, failed: results.some((r) => r.thresholds.some((t) => !t.ok)) };
}

/** The contract for other parts (gate, drills): a suite's measurements as a run-record part. */
export async function runSuite(name: string, o: RunSuiteOptions): Promise<RunRecordPart> {
  return (await runSuiteDetailed(name, o)).part;
}
