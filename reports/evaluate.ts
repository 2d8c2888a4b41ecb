import type { Outcome, RunRecord, Verdict } from './run-record.ts';
import { outcomeOf, overallOutcome } from './objectives/verdict.ts';
import { coverage } from './coverage.ts';
import { forProfile, specToInput, type Objective, type SloSpec } from './slo-spec.ts';
import { evaluateAvailability, evaluateErrorRate, evaluateLatency } from './objectives/load.ts';
import { evaluateDataReconciled, evaluateDrillPassed, evaluateRecoveryTime } from './objectives/drills.ts';
import { evaluateRateLimit, evaluateSecurity, evaluateThresholds } from './objectives/checks.ts';

export interface Evaluation {
  verdicts: Verdict[];
  verdict: Outcome;
}

function evaluateObjective(record: RunRecord, spec: SloSpec, o: Objective): Verdict[] {
  switch (o.kind) {
    case 'latency':
      return [evaluateLatency(record, o)];
    case 'error-rate':
      return [evaluateErrorRate(record, spec, o)];
    case 'availability':
      return evaluateAvailability(record, spec, o);
    case 'recovery-time':
      return evaluateRecoveryTime(record, o);
    case 'rate-limit':
      return [evaluateRateLimit(record, o)];
    case 'security':
      return [evaluateSecurity(record, o)];
    case 'threshold':
      return [evaluateThresholds(record, o)];
    case 'drill-passed':
      return evaluateDrillPassed(record, o);
    case 'data-reconciled':
      return evaluateDataReconciled(record, o);
  }
}

/**
 * Judges a run record against an SLO spec. Pure: reads the record, returns
 * verdicts; the overall verdict passes only when every objective passes, fails
 * when one fails, and is inconclusive otherwise (an objective without enough
 * evidence, or no objective at all). Objectives with a `profiles` entry for the
 * record's profile are judged with those fields replaced.
 */
export function evaluate(record: RunRecord, spec: SloSpec): Evaluation {
  const judged = spec.objectives.filter(
    (o) => !o.onlyInProfiles || (o.onlyInProfiles as readonly string[]).includes(record.meta.profile ?? ''),
  );
  const verdicts = judged.flatMap((o) => evaluateObjective(record, spec, forProfile(o, record.meta.profile)));
  return { verdicts, verdict: overallOutcome(verdicts.map(outcomeOf)) };
}

/** A copy of the record with the spec, verdicts, overall verdict and requirement coverage stored in it. */
export function withVerdicts(record: RunRecord, spec: SloSpec, evaluation: Evaluation): RunRecord {
  return {
    ...record,
    slo: specToInput(spec),
    verdicts: evaluation.verdicts,
    verdict: evaluation.verdict,
    coverage: coverage(record, spec, evaluation.verdicts),
  };
}
