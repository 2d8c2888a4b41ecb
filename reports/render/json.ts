import type { RunRecord } from '../run-record.ts';

/** The verdicts, machine-readable (the full record is run.json). */
export function renderJson(record: RunRecord): string {
  return `${JSON.stringify(
    {
      format: 'rampart.verdicts',
      version: 1,
      runId: record.id,
      command: record.meta.command,
      source: record.meta.source,
      startedAt: record.meta.startedAt,
      endedAt: record.meta.endedAt,
      verdict: record.verdict,
      verdicts: record.verdicts,
      thresholds: record.thresholds,
      comparison: record.comparison,
      parts: record.parts,
      notes: record.notes,
    },
    null,
    2,
  )}\n`;
}
