import type { Verdict } from '../run-record.ts';

/** The objective table printed by `rampart gate` and `rampart report` on the terminal. */
export function renderTextTable(verdicts: readonly Verdict[], verdict: 'pass' | 'fail' | null): string {
  const rows = verdicts.map((v) => [v.pass ? 'PASS' : 'FAIL', v.objective, v.target, v.measured + (v.regression?.regressed ? ' (regressed)' : ''),
    v.budgetRemaining === null ? '-' : `${(v.budgetRemaining * 100).toFixed(1)}%`]);
  const head = ['', 'objective', 'target', 'measured', 'budget left'];
  const widths = head.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (r: string[]) => r.map((c, i) => (c.length > (widths[i] ?? 0) ? `${c.slice(0, (widths[i] ?? 1) - 1)}…` : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const out = [line(head), ...rows.map(line)];
  const failed = verdicts.filter((v) => !v.pass).length;
  out.push('', verdict === 'pass' ? `verdict: PASS (${verdicts.length} objectives hold)` : verdict === 'fail' ? `verdict: FAIL (${failed} of ${verdicts.length} objectives breached or not measured)` : 'verdict: not evaluated');
  return `${out.join('\n')}\n`;
}
