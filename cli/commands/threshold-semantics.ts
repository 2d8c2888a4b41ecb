import { Option } from 'commander';
import { thresholdSemantics, type ThresholdSemantics } from '../../scenarios/index.ts';

/** --threshold-semantics, shared by run, load and gate: rampart (earned at 95 % confidence) or k6 (point verdicts). */
export function thresholdSemanticsOption(): Option {
  return new Option(
    '--threshold-semantics <s>',
    "rampart: a threshold PASSes only when its 95 % confidence bound holds (else INCONCLUSIVE, exit 1); k6: k6's point verdict",
  )
    .choices(thresholdSemantics)
    .default('rampart');
}

export const asSemantics = (v: string | undefined): ThresholdSemantics => (v === 'k6' ? 'k6' : 'rampart');
