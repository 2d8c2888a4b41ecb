import type { RunRecord } from '../../run-record.ts';
import type { ReportFormatDefinition } from '../formats.ts';

/** RFC 4180 field: quoted when it holds a comma, a quote or a line break. */
const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** One row per objective: what a spreadsheet or a dashboard import takes. */
export function renderCsv(record: RunRecord): string {
  const rows = record.verdicts.map((v) => [v.objective, v.outcome ?? (v.pass ? 'pass' : 'fail'), v.target, v.measured]);
  return `${[['objective', 'outcome', 'target', 'measured'], ...rows].map((r) => r.map(field).join(',')).join('\r\n')}\r\n`;
}

/**
 * The example report format of docs/extending.md (not registered: reports/render/extending.test.ts adds it to
 * reportFormatDefinitions the way the guide says).
 */
export const csvFormat = {
  name: 'csv',
  file: 'verdicts.csv',
  title: 'CSV (one row per objective)',
  render: renderCsv,
} as const satisfies ReportFormatDefinition;
