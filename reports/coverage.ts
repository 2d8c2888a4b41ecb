import type { CoverageRow, Outcome, RunRecord, Verdict } from './run-record.ts';
import type { Objective, SloSpec } from './slo-spec.ts';
import { outcomeOf, overallOutcome } from './objectives/verdict.ts';

/**
 * Requirement coverage: for each requirement of the spec, the scale at which this
 * run exercised it (requests, peak rate, peak concurrency, duration) and its verdict.
 * A run below the claimed scale reports "not-exercised", so a quick PASS never reads
 * as proof of what it did not exercise. Informational: the gate is decided by the
 * objectives alone.
 */
export function coverage(record: RunRecord, spec: SloSpec, verdicts: readonly Verdict[]): CoverageRow[] {
  return spec.requirements.map((req) => {
    const objectives = spec.objectives.filter((o) => req.objectives.includes(o.name));
    const named = objectives.map(scenarioOf).filter((s): s is string => s !== undefined);
    const scenarios = req.scenarios ?? (named.length > 0 ? named : null);
    const exercised = scale(record, scenarios);
    const mine = verdicts.filter((v) =>
      req.objectives.some((n) => v.objective === n || v.objective.startsWith(`${n}[`)),
    );
    const short: string[] = [];
    if (req.scale.concurrency && (exercised.peakConcurrency ?? 0) < req.scale.concurrency)
      short.push(`peak concurrency ${exercised.peakConcurrency ?? 0} < ${req.scale.concurrency}`);
    if (req.scale.rate && exercised.peakRate < req.scale.rate)
      short.push(`peak rate ${exercised.peakRate}/s < ${req.scale.rate}/s`);
    if (req.scale.requests && exercised.requests < req.scale.requests)
      short.push(`${exercised.requests} requests < ${req.scale.requests}`);
    let verdict: CoverageRow['verdict'];
    let note: string | undefined;
    if (short.length > 0) {
      verdict = 'not-exercised';
      note = `not exercised at the claimed scale: ${short.join(', ')}`;
    } else if (mine.length > 0) {
      verdict = overallOutcome(mine.map(outcomeOf));
    } else {
      // No objective: the scenarios' own thresholds judge it, if they ran.
      const th = record.thresholds.filter((t) => scenarios === null || scenarios.includes(t.scenario));
      verdict = th.length
        ? overallOutcome(th.map((t): Outcome => t.outcome ?? (t.ok ? 'pass' : 'fail')))
        : 'not-exercised';
      if (!th.length) note = 'nothing in this run judged it';
    }
    return {
      requirement: req.name,
      claim: req.claim,
      exercised,
      verdict,
      objectives: req.objectives,
      ...(note ? { note } : {}),
    };
  });
}

function scenarioOf(o: Objective): string | undefined {
  if ('scenario' in o && typeof o.scenario === 'string') return o.scenario;
  if ('drill' in o && typeof o.drill === 'string') return `drill:${o.drill}`;
  return undefined;
}

function scale(record: RunRecord, scenarios: string[] | null): CoverageRow['exercised'] {
  const inScope = (s: string) => scenarios === null || scenarios.includes(s);
  const perSecond = new Map<number, number>();
  let requests = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const s of record.samples) {
    if (!inScope(s.scenario)) continue;
    requests += s.count;
    perSecond.set(s.ts, (perSecond.get(s.ts) ?? 0) + s.count);
    first = Math.min(first, s.ts);
    last = Math.max(last, s.ts + record.intervalMs);
  }
  const vus = record.engine.filter((e) => inScope(e.scenario)).map((e) => e.vus ?? 0);
  const peakRate = Math.max(0, ...perSecond.values()) * (1000 / record.intervalMs);
  return {
    requests,
    peakRate: Math.round(peakRate * 10) / 10,
    peakConcurrency: vus.length ? Math.max(...vus) : null,
    seconds: requests > 0 ? Math.round((last - first) / 100) / 10 : 0,
  };
}
