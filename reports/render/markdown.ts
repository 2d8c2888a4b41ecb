import type { RunRecord } from '../run-record.ts';
import { outcomeOf } from '../objectives/verdict.ts';
import { COVERAGE_LABEL, exercisedText } from './coverage-rows.ts';
import { verdictWarnings } from '../warnings.ts';
import { processMarkdown } from './processes.ts';
import { observedText, rampartText, sourceText, thresholdKey, thresholdOutcome } from './threshold-rows.ts';

const ICON = { pass: '✅', fail: '❌', inconclusive: '❔' } as const;

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A short Markdown summary for $GITHUB_STEP_SUMMARY or a PR comment. */
export function renderMarkdown(record: RunRecord): string {
  const failed = record.verdicts.filter((v) => outcomeOf(v) === 'fail');
  const unsure = record.verdicts.filter((v) => outcomeOf(v) === 'inconclusive');
  const head =
    record.verdict === 'pass'
      ? '## ✅ rampart: every objective holds'
      : record.verdict === 'fail'
        ? `## ❌ rampart: ${failed.length} of ${record.verdicts.length} objectives breached${unsure.length ? `, ${unsure.length} inconclusive` : ''}`
        : record.verdict === 'inconclusive'
          ? `## ❔ rampart: INCONCLUSIVE — ${unsure.length} of ${record.verdicts.length} objectives lack the evidence to pass`
          : '## rampart: not evaluated';
  const m = record.meta;
  const warnings = verdictWarnings(record);
  const lines = [
    head,
    '',
    `\`${m.command}\`${m.profile ? ` · profile ${m.profile}` : ''} · ${sourceText(record)} · ${new Date(m.startedAt).toISOString()}${m.gitCommit ? ` · ${m.gitCommit.slice(0, 12)}` : ''}`,
    '',
  ];
  if (warnings.length) {
    lines.push(`> [!WARNING]`, `> **Warnings** — these weaken the verdict above (details in the notes):`);
    for (const w of warnings) lines.push(`> - ${cell(w)}`);
    lines.push('');
  }
  if (record.coverage.length) {
    lines.push('| Requirement | Exercised at | Verdict |', '|---|---|---|');
    for (const r of record.coverage)
      lines.push(
        `| ${cell(r.claim)} | ${cell(exercisedText(r))} | ${COVERAGE_LABEL[r.verdict]}${r.note ? ` — ${cell(r.note)}` : ''} |`,
      );
    lines.push('');
  }
  if (record.verdicts.length) {
    lines.push('| | Objective | Target | Measured | Budget left |', '|---|---|---|---|---|');
    for (const v of record.verdicts) {
      const reg = v.regression?.regressed
        ? ` ⚠ regressed${v.regression.change !== null ? ` +${(v.regression.change * 100).toFixed(1)} %` : ''}`
        : '';
      const budget = v.budgetRemaining === null ? '—' : `${(v.budgetRemaining * 100).toFixed(1)} %`;
      const o = outcomeOf(v);
      lines.push(
        `| ${ICON[o]} ${o.toUpperCase()} | ${cell(v.objective)} | ${cell(v.target)} | ${cell(v.measured)}${reg} | ${budget} |`,
      );
    }
    lines.push('');
  }
  if (record.thresholds.length) {
    const k6 = record.thresholds.some((t) => t.rampart !== undefined);
    lines.push(
      `**Thresholds**${k6 ? " (the verdict is k6's, judged as k6 judges it; rampart's reading beside it)" : ''}:`,
      '',
    );
    lines.push(
      `| | Scenario | Threshold | Observed |${k6 ? ' rampart |' : ''}`,
      `|---|---|---|---|${k6 ? '---|' : ''}`,
    );
    for (const t of record.thresholds) {
      const o = thresholdOutcome(t);
      lines.push(
        `| ${ICON[o]} ${o.toUpperCase()} | ${cell(t.scenario)} | ${cell(`${thresholdKey(t)} ${t.expression}`)} | ${cell(observedText(t))} |${k6 ? ` ${cell(rampartText(t))} |` : ''}`,
      );
    }
    lines.push('');
  }
  if (unsure.length) {
    lines.push('**Inconclusive** (what would make each conclusive):', '');
    for (const v of unsure) lines.push(`- ${cell(v.objective)}: ${cell(v.reason ?? v.notes.join('; '))}`);
    lines.push('');
  }
  const regressions = record.comparison?.rows.filter((r) => r.regressed) ?? [];
  if (regressions.length) {
    lines.push(
      `**Regressions vs baseline** (p95 up > ${((record.comparison?.threshold ?? 0.1) * 100).toFixed(0)} %):`,
      '',
    );
    for (const r of regressions)
      lines.push(
        `- ${r.scenario} ${r.tag}: ${r.baseline} → ${r.current} ms (+${((r.change ?? 0) * 100).toFixed(1)} %)`,
      );
    lines.push('');
  }
  lines.push(...processMarkdown(record));
  const skipped = record.parts.filter((p) => p.status !== 'ran');
  if (skipped.length || record.notes.length) {
    lines.push('<details><summary>Notes</summary>', '');
    for (const p of skipped) lines.push(`- ${p.kind} ${p.name}: ${p.status}${p.note ? ` — ${p.note}` : ''}`);
    for (const n of record.notes) lines.push(`- ${n}`);
    lines.push('', '</details>', '');
  }
  return lines.join('\n');
}
