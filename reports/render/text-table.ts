import type { Outcome, Verdict } from '../run-record.ts';
import { outcomeOf } from '../objectives/verdict.ts';

export const OUTCOME_LABEL: Record<Outcome, string> = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' };

/** The objective table printed by `rampart gate` and `rampart report` on the terminal. */
export function renderTextTable(verdicts: readonly Verdict[], verdict: Outcome | null): string {
  const rows = verdicts.map((v) => [OUTCOME_LABEL[outcomeOf(v)], v.objective, v.target, v.measured + (v.regression?.regressed ? ' (regressed)' : ''),
    v.budgetRemaining === null ? '-' : `${(v.budgetRemaining * 100).toFixed(1)}%`]);
  const head = ['', 'objective', 'target', 'measured', 'budget left'];
  const widths = head.map((h, i) => Math.min(70, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (r: string[]) => r.map((c, i) => (c.length > (widths[i] ?? 0) ? `${c.slice(0, (widths[i] ?? 1) - 1)}…` : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const out = [line(head), ...rows.map(line)];
  const failed = verdicts.filter((v) => outcomeOf(v) === 'fail').length;
  const unsure = verdicts.filter((v) => outcomeOf(v) === 'inconclusive');
  if (unsure.length > 0) {
    out.push('', 'inconclusive (not enough evidence to pass or fail):');
    for (const v of unsure) out.push(`  ${v.objective}: ${v.reason ?? v.notes.join('; ')}`);
  }
  const summary = verdict === 'pass' ? `verdict: PASS (${verdicts.length} objectives hold)`
    : verdict === 'fail' ? `verdict: FAIL (${failed} of ${verdicts.length} objectives breached${unsure.length ? `, ${unsure.length} inconclusive` : ''})`
      : verdict === 'inconclusive' ? `verdict: INCONCLUSIVE (${unsure.length} of ${verdicts.length} objectives lack the evidence to pass; none breached)`
        : 'verdict: not evaluated';
  out.push('', summary);
  return `${out.join('\n')}\n`;
}
