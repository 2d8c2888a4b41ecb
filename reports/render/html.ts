import type { RunRecord } from '../run-record.ts';
import { outcomeOf } from '../objectives/verdict.ts';
import { COVERAGE_LABEL, exercisedText } from './coverage-rows.ts';
import { perScenarioCharts, requestTable } from './per-scenario.ts';
import { observedText, rampartText, sourceText, thresholdKey, thresholdOutcome } from './threshold-rows.ts';

function thresholdTable(record: RunRecord): string {
  if (record.thresholds.length === 0) return '';
  const k6 = record.thresholds.some((t) => t.rampart !== undefined);
  const rows = record.thresholds
    .map((t) => {
      const o = thresholdOutcome(t);
      return (
        `<tr class="${o}" data-threshold="${esc(`${thresholdKey(t)} ${t.expression}`)}" data-outcome="${o}"><td><span class="badge ${o}">${o.toUpperCase()}</span></td><td>${esc(t.scenario)}</td>` +
        `<td>${esc(thresholdKey(t))} <b>${esc(t.expression)}</b></td><td>${esc(observedText(t))}</td>${k6 ? `<td class="small">${esc(rampartText(t))}</td>` : ''}</tr>`
      );
    })
    .join('');
  return (
    `<h2>Thresholds</h2>${k6 ? '<p class="small muted">The verdict is k6\'s, judged as k6 judges it over the whole test; rampart\'s reading (confidence bounds, INCONCLUSIVE where too few points were judged) is beside it.</p>' : ''}` +
    `<table class="thresholds"><thead><tr><th></th><th>Scenario</th><th>Threshold</th><th>Observed</th>${k6 ? '<th>rampart</th>' : ''}</tr></thead><tbody>${rows}</tbody></table>`
  );
}

function coverageTable(record: RunRecord): string {
  if (record.coverage.length === 0) return '';
  const cls = (v: string) => (v === 'not-exercised' ? 'none' : v);
  const rows = record.coverage
    .map(
      (r) =>
        `<tr class="${cls(r.verdict)}" data-requirement="${esc(r.requirement)}"><td>${esc(r.claim)}</td><td>${esc(exercisedText(r))}</td>` +
        `<td><span class="badge ${cls(r.verdict)}">${COVERAGE_LABEL[r.verdict]}</span>${r.note ? `<div class="small muted">${esc(r.note)}</div>` : ''}</td></tr>`,
    )
    .join('');
  return (
    `<h2>Requirement coverage</h2><p class="small muted">Each requirement, the scale at which this run exercised it, and its verdict. A requirement below its claimed scale was not proven by this run.</p>` +
    `<table class="coverage"><thead><tr><th>Requirement</th><th>Exercised at</th><th>Verdict</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}
import { esc } from './escape.ts';
import { comparisonTable, drillSection, findingsSection, objectiveTable, partsSection } from './html-sections.ts';
import { processSection } from './processes.ts';
import { verdictWarnings } from '../warnings.ts';

/** Under the verdict: what weakens it (INVALID measurements, unevaluated probes, leftovers, failed teardowns). */
function warningsBlock(record: RunRecord): string {
  const w = verdictWarnings(record);
  if (w.length === 0) return '';
  return `<section id="warnings" class="warnings"><h2>Warnings (${w.length})</h2><p class="small muted">These weaken the verdict above; the notes at the bottom have the detail.</p><ul>${w.map((x) => `<li>${esc(x)}</li>`).join('')}</ul></section>`;
}
import { lineChart } from './svg-chart.ts';
import { timeData } from './timeseries.ts';

const css = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
main{max-width:960px;margin:0 auto;padding:16px 20px 60px}
h1{font-size:20px;margin:8px 0}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}h3{font-size:15px;margin:14px 0 4px}
.banner{padding:14px 18px;border-radius:8px;color:#fff;font-size:20px;font-weight:700;margin:12px 0}
.banner.pass{background:#15803d}.banner.fail{background:#b91c1c}.banner.inconclusive{background:#b45309}.banner.none{background:#6b7280}
.banner small{display:block;font-size:13px;font-weight:400;opacity:.9}
.warnings{background:#fffbeb;border:1px solid #f59e0b;border-radius:6px;padding:6px 14px;margin:0 0 12px}.warnings h2{margin:4px 0;font-size:16px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #e5e7eb;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#f3f4f6}tr.fail td{background:#fef2f2}tr.inconclusive td{background:#fffbeb}
.badge{display:inline-block;padding:1px 6px;border-radius:4px;font-size:11px;font-weight:700;color:#fff;background:#6b7280}
.badge.pass{background:#15803d}.badge.fail{background:#b91c1c}.badge.inconclusive{background:#b45309}
.sev-critical{background:#7f1d1d}.sev-high{background:#b91c1c}.sev-medium{background:#d97706}.sev-low{background:#2563eb}.sev-info{background:#6b7280}
details.finding{background:#fff;border:1px solid #e5e7eb;border-radius:6px;margin:4px 0;padding:4px 8px}
pre{background:#111827;color:#e5e7eb;padding:8px;overflow:auto;font-size:12px;max-height:300px;white-space:pre-wrap}
.muted{color:#6b7280}.small{font-size:12px}.meta{color:#374151;font-size:12px}
svg.chart,svg.timeline{background:#fff;border:1px solid #e5e7eb;border-radius:6px;margin:6px 0;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#374151}svg .title{font-size:13px;font-weight:600}
svg .grid{stroke:#f3f4f6}svg .axis{stroke:#9ca3af}svg .fault rect{fill:#fecaca;opacity:.55}svg .fault text{fill:#991b1b}
svg .ref line{stroke:#b91c1c;stroke-dasharray:4 4}svg .ref text{fill:#b91c1c}svg .marker line{stroke:#7c3aed;stroke-dasharray:2 3}svg .marker circle{fill:#7c3aed}
svg .drill-bar{fill:#dbeafe}svg .recovery rect{fill:#86efac}
ul.checks{list-style:none;padding-left:8px}li.pass{color:#15803d}li.fail{color:#b91c1c}li.inconclusive{color:#b45309}
`;

/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no
 * network), rendered from the run record alone. Series are downsampled to at
 * most 600 points so an hour-long run stays small and fast.
 */
export function renderHtml(record: RunRecord): string {
  const t = timeData(record, true);
  const failed = record.verdicts.filter((v) => outcomeOf(v) === 'fail').length;
  const unsure = record.verdicts.filter((v) => outcomeOf(v) === 'inconclusive').length;
  const verdictClass = record.verdict ?? 'none';
  const verdictText =
    record.verdict === 'pass'
      ? 'PASS — every objective holds'
      : record.verdict === 'fail'
        ? `FAIL — ${failed} of ${record.verdicts.length} objectives breached${unsure ? `, ${unsure} inconclusive` : ''}`
        : record.verdict === 'inconclusive'
          ? `INCONCLUSIVE — ${unsure} of ${record.verdicts.length} objectives lack the evidence to pass (none breached)`
          : 'NOT EVALUATED — no SLO spec was applied';
  const m = record.meta;
  const latencyRef = record.verdicts.find((v) => v.kind === 'latency' && typeof v.targetValue === 'number');
  const refValue = latencyRef?.targetValue ?? undefined;
  const common = { xStart: t.start, xEnd: t.end, shaded: t.faults, markers: t.markers };
  const charts =
    record.samples.length === 0
      ? '<p class="muted">No request samples in this run.</p>'
      : [
          lineChart({
            id: 'chart-latency',
            title: 'Latency percentiles over time',
            unit: 'ms',
            series: t.latency,
            ...common,
            ...(refValue !== undefined && latencyRef ? { refLine: { value: refValue, label: latencyRef.target } } : {}),
          }),
          lineChart({
            id: 'chart-rate',
            title: 'Sent, completed and target rate',
            unit: 'req/s',
            series: t.rate,
            ...common,
          }),
          lineChart({
            id: 'chart-errors',
            title: 'Errors by status class',
            unit: 'per s',
            series: t.errors,
            ...common,
          }),
        ].join('');
  const step =
    t.stepMs > record.intervalMs
      ? `<p class="small muted">Downsampled: one point per ${t.stepMs / 1000} s (${record.intervalMs / 1000} s buckets in run.json).</p>`
      : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>rampart report — ${esc(record.verdict ?? 'not evaluated')} — ${esc(m.command)}</title><style>${css}</style></head><body><main>
<h1>rampart report: ${esc(m.command)}${m.profile ? ` (${esc(m.profile)})` : ''}</h1>
<div id="verdict" class="banner ${verdictClass}" data-verdict="${esc(record.verdict ?? 'none')}">${esc(verdictText)}<small>${esc(sourceText(record))} · ${esc(new Date(m.startedAt).toISOString())} · ${m.endedAt ? `${((m.endedAt - m.startedAt) / 1000).toFixed(0)} s` : 'unfinished'}</small></div>
${warningsBlock(record)}
<p class="meta">run ${esc(record.id)} · commit ${esc(m.gitCommit?.slice(0, 12) ?? 'unknown')} · rampart ${esc(m.rampartVersion)} · node ${esc(m.node)} · ${esc(m.platform)} · ${m.cpus}× ${esc(m.cpuModel)} · ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB</p>
${coverageTable(record)}
<h2>Objectives</h2>${objectiveTable(record.verdicts)}
${thresholdTable(record)}
${comparisonTable(record)}
<h2>Load</h2>${step}${charts}
${new Set(record.samples.map((x) => x.scenario)).size > 1 ? `<h2>Per suite and drill</h2>${perScenarioCharts(record)}` : ''}
${requestTable(t.requests)}
${drillSection(record)}
${findingsSection(record)}
${processSection(record)}
${partsSection(record)}
</main></body></html>
`;
}
