import type { Outcome, Verdict } from '../run-record.ts';
import type { Objective } from '../slo-spec.ts';

export type VerdictFields = Pick<Verdict, 'target' | 'measured' | 'value' | 'evidence'> &
  Partial<Verdict> &
  ({ pass: boolean } | { outcome: Outcome });

/**
 * A verdict for objective `o`; `suffix` names the drill/scenario when one objective expands into several.
 * Give either an outcome or a boolean pass (pass → "pass", otherwise "fail"); `pass` is true only for "pass".
 */
export function verdictFor(o: Objective, f: VerdictFields, suffix?: string): Verdict {
  const outcome: Outcome = f.outcome ?? (f.pass ? 'pass' : 'fail');
  const scenario = scenarioOf(o, suffix);
  return {
    objective: suffix ? `${o.name}[${suffix}]` : o.name,
    kind: o.kind,
    targetValue: targetValueOf(o),
    ...(scenario ? { scenario } : {}),
    description: o.description ?? describeObjective(o),
    budgetRemaining: null,
    burnRate: null,
    burnRates: [],
    notes: [],
    ...f,
    outcome,
    pass: outcome === 'pass',
  };
}

/** The objective's target as a number, so renderers never parse the target text. */
function targetValueOf(o: Objective): number | null {
  switch (o.kind) {
    case 'latency':
      return o.lessThanMs;
    case 'error-rate':
      return o.max;
    case 'availability':
      return o.target;
    case 'recovery-time':
      return o.maxSeconds;
    case 'security':
      return 0;
    default:
      return null;
  }
}

function scenarioOf(o: Objective, suffix?: string): string | undefined {
  const drillish =
    o.kind === 'availability'
      ? o.during === 'drill'
      : o.kind === 'recovery-time' || o.kind === 'drill-passed' || o.kind === 'data-reconciled';
  if (drillish) {
    const name = 'drill' in o && o.drill ? o.drill : suffix;
    return name ? `drill:${name}` : undefined;
  }
  if ('scenario' in o && o.scenario) return o.scenario;
  return o.kind === 'availability' && o.during === 'scenario' ? suffix : undefined;
}

/** Missing evidence is inconclusive: "not measured" is never "met", and the gate does not pass. */
export function missingEvidence(
  o: Objective,
  target: string,
  evidence: string,
  why: string,
  suffix?: string,
  toConclude?: string,
): Verdict {
  // A part deselected on purpose (--drills none, --no-scan) is still unproven: say both ways out.
  const conclude = `${toConclude ?? 'run what the objective names'}, or judge with an SLO file of only what this run exercises (--slo FILE)`;
  return verdictFor(
    o,
    {
      target,
      measured: 'not measured',
      value: null,
      outcome: 'inconclusive',
      evidence,
      reason: `${why}; to conclude: ${conclude}`,
      notes: [`missing evidence: ${why}`],
    },
    suffix,
  );
}

/** The outcome of a verdict, for records written before outcomes existed. */
export const outcomeOf = (v: Pick<Verdict, 'pass' | 'outcome'>): Outcome => v.outcome ?? (v.pass ? 'pass' : 'fail');

/** All pass → pass; any fail → fail; otherwise (some inconclusive, or nothing judged) → inconclusive. */
export function overallOutcome(outcomes: readonly Outcome[]): Outcome {
  if (outcomes.length === 0) return 'inconclusive';
  if (outcomes.includes('fail')) return 'fail';
  return outcomes.every((o) => o === 'pass') ? 'pass' : 'inconclusive';
}

export function describeObjective(o: Objective): string {
  const where = (s?: string, t?: string) =>
    [s && `scenario ${s}`, t && `tag ${t}`].filter(Boolean).join(', ') || 'all requests';
  switch (o.kind) {
    case 'latency':
      return `p${o.percentile} latency of ${where(o.scenario, o.tag)} under ${o.lessThanMs} ms`;
    case 'error-rate':
      return `error rate of ${where(o.scenario, o.tag)} at most ${pct(o.max)}`;
    case 'availability':
      return `availability ≥ ${pct(o.target)} during ${o.during === 'drill' ? (o.drill ? `drill ${o.drill}` : 'each drill') : o.during === 'scenario' ? `scenario ${o.scenario ?? '(each)'}` : 'the run'}`;
    case 'recovery-time':
      return `recovery after ${o.drill ? `drill ${o.drill}` : 'each drill'} within ${o.maxSeconds} s`;
    case 'rate-limit':
      return `rate limiting correct (scenario ${o.scenario}: thresholds and checks)`;
    case 'security':
      return `no unsuppressed finding of severity ${o.minSeverity} or above`;
    case 'threshold':
      return `engine thresholds all hold${o.scenario ? ` (scenario ${o.scenario})` : ''}`;
    case 'drill-passed':
      return `${o.drill ? `drill ${o.drill}` : 'every drill'} passes`;
    case 'data-reconciled':
      return `no acknowledged write lost or duplicated${o.drill ? ` in drill ${o.drill}` : ''}`;
  }
}

export function pct(ratio: number): string {
  const v = ratio * 100;
  return `${Number(v.toPrecision(6))} %`;
}

export const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;
