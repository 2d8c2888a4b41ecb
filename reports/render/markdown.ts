import type { RunRecord } from '../run-record.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A short Markdown summary for $GITHUB_STEP_SUMMARY or a PR comment. */
export function renderMarkdown(record: RunRecord): string {
  const failed = record.verdicts.filter((v) => !v.pass);
  const head = record.verdict === 'pass' ? '## ✅ rampart: every objective holds'
    : record.verdict === 'fail' ? `## ❌ rampart: ${failed.length} of ${record.verdicts.length} objectives breached or not measured`
    : '## rampart: not evaluated';
  const m = record.meta;
  const lines = [head, '', `\`${m.command}\`${m.profile ? ` · profile ${m.profile}` : ''} · ${m.target ?? 'managed stack'} · ${new Date(m.startedAt).toISOString()}${m.gitCommit ? ` · ${m.gitCommit.slice(0, 12)}` : ''}`, ''];
  if (record.verdicts.length) {
    lines.push('| | Objective | Target | Measured | Budget left |', '|---|---|---|---|---|');
    for (const v of record.verdicts) {
      const reg = v.regression?.regressed ? ` ⚠ regressed${v.regression.change !== null ? ` +${(v.regression.change * 100).toFixed(1)} %` : ''}` : '';
      const budget = v.budgetRemaining === null ? '—' : `${(v.budgetRemaining * 100).toFixed(1)} %`;
      lines.push(`| ${v.pass ? '✅' : '❌'} | ${cell(v.objective)} | ${cell(v.target)} | ${cell(v.measured)}${reg} | ${budget} |`);
    }
    lines.push('');
  }
  const regressions = record.comparison?.rows.filter((r) => r.regressed) ?? [];
  if (regressions.length) {
    lines.push(`**Regressions vs baseline** (p95 up > ${((record.comparison?.threshold ?? 0.1) * 100).toFixed(0)} %):`, '');
    for (const r of regressions) lines.push(`- ${r.scenario} ${r.tag}: ${r.baseline} → ${r.current} ms (+${((r.change ?? 0) * 100).toFixed(1)} %)`);
    lines.push('');
  }
  const skipped = record.parts.filter((p) => p.status !== 'ran');
  if (skipped.length || record.notes.length) {
    lines.push('<details><summary>Notes</summary>', '');
    for (const p of skipped) lines.push(`- ${p.kind} ${p.name}: ${p.status}${p.note ? ` — ${p.note}` : ''}`);
    for (const n of record.notes) lines.push(`- ${n}`);
    lines.push('', '</details>', '');
  }
  return lines.join('\n');
}
