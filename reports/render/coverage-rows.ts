import type { CoverageRow } from '../run-record.ts';

export const COVERAGE_LABEL: Record<CoverageRow['verdict'], string> = {
  pass: 'PASS',
  fail: 'FAIL',
  inconclusive: 'INCONCLUSIVE',
  'not-exercised': 'NOT EXERCISED',
};

/** "4,800 requests · peak 61/s · 120 concurrent · 80 s": the scale a requirement was exercised at. */
export function exercisedText(r: CoverageRow): string {
  const e = r.exercised;
  const parts = [`${e.requests.toLocaleString('en-US')} requests`, `peak ${e.peakRate}/s`];
  if (e.peakConcurrency !== null) parts.push(`${e.peakConcurrency.toLocaleString('en-US')} concurrent`);
  parts.push(`${e.seconds} s`);
  return parts.join(' · ');
}

/** The coverage table for the terminal. */
export function renderCoverageText(rows: readonly CoverageRow[]): string {
  if (rows.length === 0) return '';
  const lines = ['requirement coverage (what this run exercised, at what scale):'];
  for (const r of rows)
    lines.push(
      `  ${COVERAGE_LABEL[r.verdict].padEnd(13)} ${r.claim.padEnd(34)} ${exercisedText(r)}${r.note ? ` — ${r.note}` : ''}`,
    );
  return `${lines.join('\n')}\n\n`;
}
