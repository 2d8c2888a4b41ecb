import type { RunRecord, Verdict } from './run-record.ts';
import { specToInput, type Objective, type SloSpec } from './slo-spec.ts';
import { evaluateAvailability, evaluateErrorRate, evaluateLatency } from './objectives/load.ts';
import { evaluateDataReconciled, evaluateDrillPassed, evaluateRecoveryTime } from './objectives/drills.ts';
import { evaluateRateLimit, evaluateSecurity, evaluateThresholds } from './objectives/checks.ts';

export interface Evaluation {
  verdicts: Verdict[];
  verdict: 'pass' | 'fail';
}

function evaluateObjective(record: RunRecord, spec: SloSpec, o: Objective): Verdict[] {
  switch (o.kind) {
    case 'latency': return [evaluateLatency(record, o)];
    case 'error-rate': return [evaluateErrorRate(record, spec, o)];
    case 'availability': return evaluateAvailability(record, spec, o);
    case 'recovery-time': return evaluateRecoveryTime(record, o);
    case 'rate-limit': return [evaluateRateLimit(record, o)];
    case 'security': return [evaluateSecurity(record, o)];
    case 'threshold': return [evaluateThresholds(record, o)];
    case 'drill-passed': return evaluateDrillPassed(record, o);
    case 'data-reconciled': return evaluateDataReconciled(record, o);
  }
}

/**
 * Judges a run record against an SLO spec. Pure: reads the record, returns
 * verdicts; the overall verdict passes only when every objective holds, and an
 * objective without evidence fails.
 */
export function evaluate(record: RunRecord, spec: SloSpec): Evaluation {
  const verdicts = spec.objectives.flatMap((o) => evaluateObjective(record, spec, o));
  return { verdicts, verdict: verdicts.length > 0 && verdicts.every((v) => v.pass) ? 'pass' : 'fail' };
}

/** A copy of the record with the spec, verdicts and overall verdict stored in it. */
export function withVerdicts(record: RunRecord, spec: SloSpec, evaluation: Evaluation): RunRecord {
  return { ...record, slo: specToInput(spec), verdicts: evaluation.verdicts, verdict: evaluation.verdict };
}
