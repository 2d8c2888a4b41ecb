import type { DrillResult, Finding, RunRecord, Verdict } from '../run-record.ts';
import { esc } from './escape.ts';
import { outcomeOf } from '../objectives/verdict.ts';

const pctText = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);

export function objectiveTable(verdicts: readonly Verdict[]): string {
  if (verdicts.length === 0) return '<p class="muted">No objectives were evaluated.</p>';
  const rows = verdicts.map((v) => {
    const reg = v.regression?.regressed
      ? ` <span class="badge fail" title="baseline ${v.regression.baseline}">regressed ${v.regression.change !== null ? `+${(v.regression.change * 100).toFixed(1)} %` : ''}</span>`
      : '';
    const burns = v.burnRates.map((b) => `${esc(b.window)}: ${b.burnRate}${b.alert ? ' ⚠' : ''}`).join('<br>');
    const notes = v.notes.length ? `<div class="muted small">${v.notes.map(esc).join('<br>')}</div>` : '';
    const o = outcomeOf(v);
    const reason = v.reason
      ? `<div class="small"><b>${o === 'inconclusive' ? 'why inconclusive' : 'why'}:</b> ${esc(v.reason)}</div>`
      : '';
    return (
      `<tr class="${o}" data-objective="${esc(v.objective)}" data-outcome="${o}"><td><span class="badge ${o}">${o.toUpperCase()}</span></td>` +
      `<td><b>${esc(v.objective)}</b><div class="muted small">${esc(v.description)}</div></td><td>${esc(v.target)}</td>` +
      `<td>${esc(v.measured)}${reg}${reason}${notes}</td><td>${pctText(v.budgetRemaining)}${v.burnRate !== null ? `<div class="small">burn ${v.burnRate}</div>` : ''}${burns ? `<div class="small muted">${burns}</div>` : ''}</td>` +
      `<td class="small muted">${esc(v.evidence)}</td></tr>`
    );
  });
  return `<table class="objectives"><thead><tr><th></th><th>Objective</th><th>Target</th><th>Measured</th><th>Budget left</th><th>Evidence</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function comparisonTable(record: RunRecord): string {
  const c = record.comparison;
  if (!c) return '';
  const rows = c.rows
    .map(
      (r) =>
        `<tr class="${r.regressed ? 'fail' : ''}"><td>${esc(r.scenario)}</td><td>${esc(r.tag)}</td><td>${r.baseline ?? '—'}</td><td>${r.current ?? '—'}</td>` +
        `<td>${r.change === null ? '—' : `${r.change > 0 ? '+' : ''}${(r.change * 100).toFixed(1)} %`}${r.regressed ? ' <span class="badge fail">regressed</span>' : ''}</td></tr>`,
    )
    .join('');
  return (
    `<h2>Compared with baseline</h2><p class="muted">Baseline run ${esc(c.baselineId)} of ${esc(new Date(c.baselineStartedAt).toISOString())}; regression = p95 up more than ${(c.threshold * 100).toFixed(0)} %.</p>` +
    `<table><thead><tr><th>Scenario</th><th>Tag</th><th>Baseline p95 ms</th><th>Current p95 ms</th><th>Change</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

export function drillTimeline(d: DrillResult, record: RunRecord): string {
  const W = 900;
  const H = 70;
  const span = Math.max(1, d.endedAt - d.startedAt);
  const x = (t: number) => 10 + ((Math.min(Math.max(t, d.startedAt), d.endedAt) - d.startedAt) / span) * (W - 20);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" data-drill="${esc(d.name)}">`,
    `<rect class="drill-bar" x="10" y="26" width="${W - 20}" height="14"/>`,
  ];
  for (const f of d.faults) {
    const x0 = x(f.start);
    const x1 = x(f.end ?? d.endedAt);
    parts.push(
      `<g class="fault"><rect x="${x0.toFixed(1)}" y="20" width="${Math.max(2, x1 - x0).toFixed(1)}" height="26"/><text x="${x0.toFixed(1)}" y="14">${esc(f.label)}</text></g>`,
    );
    if (d.recoverySeconds !== null && f.end !== null) {
      const rx = x(f.end + d.recoverySeconds * 1000);
      parts.push(
        `<g class="recovery"><rect x="${x1.toFixed(1)}" y="42" width="${Math.max(1, rx - x1).toFixed(1)}" height="6"/><text x="${rx.toFixed(1)}" y="62">recovered +${d.recoverySeconds}s</text></g>`,
      );
    }
  }
  for (const e of record.events) {
    if (
      e.ts < d.startedAt ||
      e.ts > d.endedAt ||
      !(e.type.startsWith('process.') || e.type === 'probe' || e.type === 'slo.breached')
    )
      continue;
    parts.push(
      `<g class="marker"><circle cx="${x(e.ts).toFixed(1)}" cy="33" r="3"/><title>${esc(`${e.type}: ${e.label}`)}</title></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

export function drillSection(record: RunRecord): string {
  if (record.drills.length === 0) return '';
  const items = record.drills.map((d) => {
    const mark = { pass: '✓', fail: '✗', inconclusive: '?' } as const;
    const checks = d.checks
      .map((c) => {
        const o = c.outcome ?? (c.ok ? 'pass' : 'fail');
        return `<li class="${o}">${mark[o]} ${esc(c.name)} <span class="muted">${esc(c.detail)}</span></li>`;
      })
      .join('');
    const outcome = d.outcome ?? (d.passed ? 'pass' : 'fail');
    const missing = (d.reconciliation?.missing ?? [])
      .slice(0, 20)
      .map(
        (m) =>
          `<li><code>${esc(m.writes)} ${esc(m.id)}</code> acknowledged ${esc(new Date(m.at).toISOString())}: ${esc(m.detail)}</li>`,
      )
      .join('');
    const rec = d.reconciliation
      ? `<p class="small">Data: ${d.reconciliation.acknowledged} acknowledged, ${d.reconciliation.found} found, ${d.reconciliation.lost} lost, ${d.reconciliation.duplicated} duplicated</p>${missing ? `<ul class="small">${missing}</ul>` : ''}`
      : '';
    return (
      `<section class="drill" data-outcome="${outcome}"><h3><span class="badge ${outcome}">${outcome.toUpperCase()}</span> ${esc(d.name)}</h3>` +
      (d.reason
        ? `<p class="small"><b>why ${outcome === 'inconclusive' ? 'inconclusive' : outcome}:</b> ${esc(d.reason)}</p>`
        : '') +
      `<p class="small muted">${((d.endedAt - d.startedAt) / 1000).toFixed(1)} s; recovery ${d.recoverySeconds === null ? 'not measured / did not recover' : `${d.recoverySeconds} s`}${d.aborted ? `; aborted: ${esc(d.aborted)}` : ''}</p>` +
      `${drillTimeline(d, record)}${rec}<ul class="checks">${checks}</ul>${d.skipped.length ? `<p class="small muted">Skipped: ${d.skipped.map(esc).join('; ')}</p>` : ''}</section>`
    );
  });
  return `<h2>Drills</h2>${items.join('')}`;
}

function evidence(f: Finding): string {
  if (!f.evidence) return '<p class="muted small">No HTTP evidence recorded.</p>';
  const req = f.evidence.request;
  const res = f.evidence.response;
  const hdrs = (h?: Record<string, string>) =>
    Object.entries(h ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n');
  const clip = (s?: string) => (s && s.length > 4000 ? `${s.slice(0, 4000)}… (${s.length} chars)` : (s ?? ''));
  return (
    `<pre>${esc(`${req.method} ${req.url}\n${hdrs(req.headers)}\n\n${clip(req.body)}`)}</pre>` +
    `<pre>${esc(res ? `HTTP ${res.status}\n${hdrs(res.headers)}\n\n${clip(res.body)}` : '(no response)')}</pre>`
  );
}

export function findingsSection(record: RunRecord): string {
  const scanned = record.parts.some((p) => p.kind === 'scan');
  if (record.findings.length === 0) return scanned ? '<h2>Security findings</h2><p>No findings.</p>' : '';
  const order = ['critical', 'high', 'medium', 'low', 'info'];
  const list = [...record.findings].sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));
  const items = list
    .slice(0, 200)
    .map(
      (f) =>
        `<details class="finding sev-${f.severity}"><summary><span class="badge sev-${f.severity}">${f.severity}</span> ${esc(f.title)} <span class="muted small">${esc(f.category)} · ${esc(f.endpoint)} · ${esc(f.ruleId)}${f.suppressed ? ` · suppressed (${esc(f.suppressed.action)}: ${esc(f.suppressed.reason)})` : ''}</span></summary>` +
        `<p>${esc(f.description)}</p>${evidence(f)}</details>`,
    )
    .join('');
  const more = list.length > 200 ? `<p class="muted">${list.length - 200} more findings in run.json.</p>` : '';
  return `<h2>Security findings (${record.findings.length})</h2>${items}${more}`;
}

export function partsSection(record: RunRecord): string {
  const parts = record.parts
    .map((p) => `<li><b>${esc(p.kind)} ${esc(p.name)}</b>: ${esc(p.status)}${p.note ? ` — ${esc(p.note)}` : ''}</li>`)
    .join('');
  const notes = record.notes.map((n) => `<li>${esc(n)}</li>`).join('');
  if (!parts && !notes) return '';
  return `<h2>What ran</h2>${parts ? `<ul>${parts}</ul>` : ''}${notes ? `<h3>Notes</h3><ul class="notes">${notes}</ul>` : ''}`;
}
