import type { RunRecord } from './run-record.ts';
import { sloSpecSchema, type SloSpec } from './slo-spec.ts';
import type { Severity } from './run-record.ts';

/**
 * The objectives a run carried itself, for a record judged without an SLO file:
 * the thresholds of each scenario it ran, each drill's own checks, and — when a
 * scan ran — no finding at or above `failOn`. A custom suite is judged by its own
 * thresholds, not by the bundled slo.yaml; null when the record has nothing to judge.
 */
export function ownSpec(record: RunRecord, o: { failOn?: Severity } = {}): SloSpec | null {
  const objectives: Record<string, unknown>[] = [];
  const scenarios = [...new Set(record.thresholds.map((t) => t.scenario))];
  for (const s of scenarios) objectives.push({ name: `thresholds ${s}`, kind: 'threshold', scenario: s });
  for (const d of record.drills) objectives.push({ name: `drill ${d.name}`, kind: 'drill-passed', drill: d.name });
  const scanned =
    record.parts.some((p) => p.kind === 'scan' && p.status === 'ran') ||
    record.meta.command.startsWith('scan') ||
    record.findings.length > 0;
  if (scanned) objectives.push({ name: 'security findings', kind: 'security', minSeverity: o.failOn ?? 'high' });
  if (objectives.length === 0) return null;
  return sloSpecSchema.parse({ service: 'run', objectives });
}
