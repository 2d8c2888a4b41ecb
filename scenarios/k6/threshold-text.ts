import type { ThresholdResult } from '../../reports/index.ts';

const num = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));
const mark = (o: string) => (o === 'pass' ? '✓' : o === 'fail' ? '✗' : '?');

/** One line per threshold: k6's verdict and value first (as k6's end-of-test summary marks it), rampart's reading beside it. */
export function formatK6Thresholds(thresholds: readonly ThresholdResult[], runners: number): string {
  if (thresholds.length === 0) return '';
  const lines = [
    `k6 thresholds, judged as k6 judges them over the whole test (${runners} runner${runners === 1 ? '' : 's'} merged):`,
  ];
  for (const t of thresholds) {
    const key = `${t.metric}${t.filter !== undefined ? `{${t.filter}}` : ''}`;
    const r = t.rampart;
    // Without rampart's reading the threshold was not judged at all (k6 would have refused to start with it).
    const k6 = r === undefined ? null : t.outcome === 'fail' ? 'fail' : 'pass';
    const stats = r?.statistics;
    const bounds =
      stats && (stats.lower !== null || stats.upper !== null)
        ? ` [${stats.method === 'clopper-pearson' ? 'failure ratio' : 'value'} ${stats.confidence * 100} % bounds ${stats.lower === null ? '—' : num(stats.lower)}..${stats.upper === null ? '—' : num(stats.upper)}]`
        : '';
    const rampart = r ? ` · rampart: ${r.outcome.toUpperCase()}${bounds}${r.reason ? ` — ${r.reason}` : ''}` : '';
    if (k6 === null) lines.push(`  ? ${key} ${t.expression}  not judged: ${t.reason ?? 'no data'}`);
    else
      lines.push(
        `  ${mark(t.outcome ?? (t.ok ? 'pass' : 'fail'))} ${key} ${t.expression}  k6: ${k6.toUpperCase()} (observed ${t.value ?? 'no value'})${rampart}`,
      );
  }
  return `${lines.join('\n')}\n`;
}
