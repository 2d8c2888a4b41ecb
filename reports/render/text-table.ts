import type { Outcome, Verdict } from '../run-record.ts';
import { outcomeOf } from '../objectives/verdict.ts';

export const OUTCOME_LABEL: Record<Outcome, string> = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' };

/** Column widths beyond which a cell wraps: label, objective, target, measured, budget left. */
const CAPS = [12, 32, 26, 64, 11];

/** Splits text into lines of at most `width`, at spaces where it can, inside a word where it must. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(' ')) {
    let w = word;
    while (w.length > width) {
      if (cur) lines.push(cur);
      cur = '';
      lines.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!cur) cur = w;
    else if (cur.length + 1 + w.length <= width) cur += ` ${w}`;
    else {
      lines.push(cur);
      cur = w;
    }
  }
  lines.push(cur);
  return lines;
}

/** The objective table printed by `rampart gate` and `rampart report` on the terminal. */
export function renderTextTable(verdicts: readonly Verdict[], verdict: Outcome | null): string {
  const rows = verdicts.map((v) => [
    OUTCOME_LABEL[outcomeOf(v)],
    v.objective,
    v.target,
    v.measured + (v.regression?.regressed ? ' (regressed)' : ''),
    v.budgetRemaining === null ? '-' : `${(v.budgetRemaining * 100).toFixed(1)}%`,
  ]);
  const head = ['', 'objective', 'target', 'measured', 'budget left'];
  const widths = head.map((h, i) =>
    Math.min(CAPS[i] ?? 40, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))),
  );
  // A cell longer than its column wraps onto the next lines (never cut: the measured value is the point).
  const line = (r: string[]) => {
    const cells = r.map((c, i) => wrap(c, widths[i] ?? 40));
    const height = Math.max(...cells.map((c) => c.length));
    return Array.from({ length: height }, (_, k) =>
      cells
        .map((c, i) => (c[k] ?? '').padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    ).join('\n');
  };
  const out = [line(head), ...rows.map(line)];
  const failed = verdicts.filter((v) => outcomeOf(v) === 'fail').length;
  const unsure = verdicts.filter((v) => outcomeOf(v) === 'inconclusive');
  if (unsure.length > 0) {
    out.push('', 'inconclusive (not enough evidence to pass or fail):');
    for (const v of unsure) out.push(`  ${v.objective}: ${v.reason ?? v.notes.join('; ')}`);
  }
  const summary =
    verdict === 'pass'
      ? `verdict: PASS (${verdicts.length} objectives hold)`
      : verdict === 'fail'
        ? `verdict: FAIL (${failed} of ${verdicts.length} objectives breached${unsure.length ? `, ${unsure.length} inconclusive` : ''})`
        : verdict === 'inconclusive'
          ? `verdict: INCONCLUSIVE (${unsure.length} of ${verdicts.length} objectives lack the evidence to pass; none breached)`
          : 'verdict: not evaluated';
  out.push('', summary);
  return `${out.join('\n')}\n`;
}
