import { z } from 'zod';

/**
 * A whole-number attribute with Toxiproxy's default (the Go zero value). Any
 * int64 is accepted, as Go's decoder does; a toxic's `concerns` name the
 * values rampart finds suspect (negative ones), which `--strict` refuses.
 */
export const count = (fallback = 0) =>
  z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).default(fallback);

/** "attributes.<key>: must be >= <min>" for each key below its minimum. */
export function belowMinimum(attrs: Record<string, number>, minimums: Record<string, number>): string[] {
  return Object.entries(minimums)
    .filter(([key, min]) => (attrs[key] ?? 0) < min)
    .map(([key, min]) => `attributes.${key}: must be >= ${min} (got ${attrs[key] ?? 0})`);
}
