import type { Verdict } from '../run-record.ts';
import type { Objective } from '../slo-spec.ts';

export type VerdictFields = Pick<Verdict, 'target' | 'measured' | 'value' | 'pass' | 'evidence'> & Partial<Verdict>;

/** A verdict for objective `o`; `suffix` names the drill/scenario when one objective expands into several. */
export function verdictFor(o: Objective, f: VerdictFields, suffix?: string): Verdict {
  return {
    objective: suffix ? `${o.name}[${suffix}]` : o.name,
    kind: o.kind,
    description: o.description ?? describeObjective(o),
    budgetRemaining: null,
    burnRate: null,
    burnRates: [],
    notes: [],
    ...f,
  };
}

/** Missing evidence fails: "not measured" is never "met". */
export function missingEvidence(o: Objective, target: string, evidence: string, why: string, suffix?: string): Verdict {
  return verdictFor(o, { target, measured: 'not measured', value: null, pass: false, evidence, notes: [`missing evidence: ${why}`] }, suffix);
}

export function describeObjective(o: Objective): string {
  const where = (s?: string, t?: string) => [s && `scenario ${s}`, t && `tag ${t}`].filter(Boolean).join(', ') || 'all requests';
  switch (o.kind) {
    case 'latency': return `p${o.percentile} latency of ${where(o.scenario, o.tag)} under ${o.lessThanMs} ms`;
    case 'error-rate': return `error rate of ${where(o.scenario, o.tag)} at most ${pct(o.max)}`;
    case 'availability': return `availability ≥ ${pct(o.target)} during ${o.during === 'drill' ? (o.drill ? `drill ${o.drill}` : 'each drill') : o.during === 'scenario' ? `scenario ${o.scenario ?? '(each)'}` : 'the run'}`;
    case 'recovery-time': return `recovery after ${o.drill ? `drill ${o.drill}` : 'each drill'} within ${o.maxSeconds} s`;
    case 'rate-limit': return `rate limiting correct (scenario ${o.scenario}: thresholds and checks)`;
    case 'security': return `no unsuppressed finding of severity ${o.minSeverity} or above`;
    case 'threshold': return `engine thresholds all hold${o.scenario ? ` (scenario ${o.scenario})` : ''}`;
    case 'drill-passed': return `${o.drill ? `drill ${o.drill}` : 'every drill'} passes`;
    case 'data-reconciled': return `no acknowledged write lost or duplicated${o.drill ? ` in drill ${o.drill}` : ''}`;
  }
}

export function pct(ratio: number): string {
  const v = ratio * 100;
  return `${Number(v.toPrecision(6))} %`;
}

export const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;
