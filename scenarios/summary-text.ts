import type { ScenarioSummary, ThresholdResult } from '../reports/index.ts';

/** The end-of-run text a person reads (stdout); the run record holds the same numbers. */
export function formatSummary(
  s: ScenarioSummary,
  thresholds: ThresholdResult[],
  failedChecks: Record<string, number> = {},
  warnings: string[] = [],
): string {
  const l = s.latencyMs;
  const secs = ((s.endedAt - s.startedAt) / 1000).toFixed(1);
  const errPct = s.requests > 0 ? ((100 * s.errors) / s.requests).toFixed(3) : '0.000';
  const lines = [
    `scenario ${s.scenario} (${s.executor}), ${secs}s`,
    `  requests   ${s.requests}  errors ${s.errors} (${errPct}%)  late ${s.late}  dropped ${s.dropped}`,
    `  rate       achieved ${s.rate.achieved.toFixed(1)}/s${s.rate.target === null ? '' : `  target ${s.rate.target}/s`}`,
    `  latency ms p50 ${l.p50}  p90 ${l.p90}  p95 ${l.p95}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}`,
  ];
  const codes = Object.entries(s.codes ?? {}).sort((a, b) => b[1] - a[1]);
  if (codes.length > 0)
    lines.push(
      `  outcomes   ${codes.map(([k, n]) => `${k} ${n}${s.requests > 0 ? ` (${((100 * n) / s.requests).toFixed(n === s.requests ? 0 : 2)}%)` : ''}`).join('  ')}`,
    );
  if (s.checks.passed + s.checks.failed > 0)
    lines.push(`  checks     ${s.checks.passed} passed, ${s.checks.failed} failed`);
  for (const [k, n] of Object.entries(failedChecks).slice(0, 10)) lines.push(`    ✗ ${k} (${n}x)`);
  for (const t of thresholds) {
    const key = `${t.metric}${t.filter ? `{${t.filter}}` : ''}`;
    const where = t.window ? ` in a ${t.window.seconds}s window ending ${new Date(t.window.end).toISOString()}` : '';
    const outcome = t.outcome ?? (t.ok ? 'pass' : 'fail');
    const mark = outcome === 'pass' ? '✓' : outcome === 'fail' ? '✗' : '?';
    lines.push(
      `  ${mark} ${key} ${t.expression}  (observed ${t.value ?? 'no data'}${where})${t.abortedRun ? ' — aborted the run' : ''}${outcome === 'inconclusive' ? ` — INCONCLUSIVE: ${t.reason ?? 'no data'}` : ''}`,
    );
  }
  if (!s.valid) lines.push(`  ! INVALID measurement: ${s.invalidReasons.join('; ')}`);
  // Connections short, arrivals dropped, requests cut at the timeout: said in words, with the flag to change.
  for (const w of warnings) lines.push(`  ! ${w}`);
  return `${lines.join('\n')}\n`;
}
