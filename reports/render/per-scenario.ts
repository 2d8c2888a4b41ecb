import type { RunRecord } from '../run-record.ts';
import { esc } from './escape.ts';
import { lineChart } from './svg-chart.ts';
import { timeData, type RequestStats } from './timeseries.ts';

/** The record cut to one scenario (or drill:<name>): its samples, engine series and events, its own time span. */
export function sliceRecord(record: RunRecord, scenario: string): RunRecord {
  const samples = record.samples.filter((s) => s.scenario === scenario);
  let start = Infinity;
  let end = -Infinity;
  for (const s of samples) {
    start = Math.min(start, s.ts);
    end = Math.max(end, s.ts + record.intervalMs);
  }
  const drill = scenario.startsWith('drill:') ? record.drills.find((d) => `drill:${d.name}` === scenario) : undefined;
  if (drill) {
    start = Math.min(start, drill.startedAt);
    end = Math.max(end, drill.endedAt);
  }
  return {
    ...record,
    meta: { ...record.meta, startedAt: start, endedAt: end },
    samples,
    engine: record.engine.filter((e) => e.scenario === scenario),
    events: record.events.filter(
      (e) => e.ts >= start && e.ts <= end && (e.scenario === undefined || e.scenario === scenario),
    ),
  };
}

/**
 * One set of charts per suite scenario and per drill, each on its own time axis with its own SLO line
 * (the latency objective about it), so a 7-s fault spike does not flatten the load suite the p95 is about.
 */
export function perScenarioCharts(record: RunRecord): string {
  const names = [...new Set(record.samples.map((s) => s.scenario))];
  return names
    .map((name) => {
      const slice = sliceRecord(record, name);
      const t = timeData(slice);
      const ref = record.verdicts.find(
        (v) => v.kind === 'latency' && v.scenario === name && typeof v.targetValue === 'number',
      );
      const id = name.replace(/[^\w-]/g, '_');
      const common = { xStart: t.start, xEnd: t.end, shaded: t.faults, markers: t.markers };
      return (
        `<h3 id="scenario-${esc(id)}">${esc(name)}</h3>` +
        lineChart({
          id: `chart-latency-${id}`,
          title: `${name}: latency percentiles`,
          unit: 'ms',
          series: t.latency,
          ...common,
          ...(ref ? { refLine: { value: ref.targetValue as number, label: ref.target } } : {}),
        }) +
        lineChart({
          id: `chart-rate-${id}`,
          title: `${name}: sent, completed and target rate`,
          unit: 'req/s',
          series: t.rate,
          ...common,
        })
      );
    })
    .join('');
}

/** Per-request statistics like Gatling's: each scenario and request name, count, percentiles, errors by status/kind. */
export function requestTable(requests: readonly RequestStats[]): string {
  if (requests.length === 0) return '';
  const rows = requests
    .map((g) => {
      const cells = [
        g.scenario,
        g.tag,
        String(g.count),
        String(g.p50 ?? '—'),
        String(g.p95 ?? '—'),
        String(g.p99 ?? '—'),
      ];
      const errors =
        Object.entries(g.codes)
          .filter(([k]) => !/^[23]\d\d$/.test(k))
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${k}×${n}`)
          .join(', ') || '—';
      return `<tr${g.failed ? ' class="fail"' : ''}>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}<td>${esc(errors)}</td></tr>`;
    })
    .join('');
  return (
    '<h2>Requests</h2><table class="requests"><thead><tr><th>Scenario</th><th>Request</th><th>Count</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>Errors by status</th></tr></thead>' +
    `<tbody>${rows}</tbody></table>`
  );
}
