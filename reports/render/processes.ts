import type { RunRecord } from '../run-record.ts';
import { esc } from './escape.ts';

export interface ProcessRow {
  process: string;
  /** CPU seconds used over the samples. */
  cpuSeconds: number;
  /** Mean cores over the sampled time. */
  meanCores: number;
  /** Busiest bucket, cores. */
  peakCores: number;
  peakRssMb: number;
}

/** Where the time went, per process group of the managed stack, busiest first; empty without samples (--target). */
export function processRows(record: Pick<RunRecord, 'processes' | 'intervalMs'>): ProcessRow[] {
  const by = new Map<string, RunRecord['processes']>();
  for (const s of record.processes) by.set(s.process, [...(by.get(s.process) ?? []), s]);
  return [...by]
    .map(([process, samples]) => {
      const cpuSeconds = samples.reduce((a, s) => a + s.cpuMs, 0) / 1000;
      // The time the samples cover: each bucket's CPU over its share of a core gives its length.
      const covered = samples.reduce((a, s) => a + (s.cpu > 0 ? s.cpuMs / s.cpu : record.intervalMs), 0) / 1000;
      return {
        process,
        cpuSeconds,
        meanCores: covered > 0 ? cpuSeconds / covered : 0,
        peakCores: Math.max(...samples.map((s) => s.cpu)),
        peakRssMb: Math.max(...samples.map((s) => s.rssMb)),
      };
    })
    .sort((a, b) => b.cpuSeconds - a.cpuSeconds);
}

const LABEL = 'Where the time went (managed stack, per process group; rampart is the load generator)';

/** Markdown lines of the table (none without samples). */
export function processMarkdown(record: RunRecord): string[] {
  const rows = processRows(record);
  if (rows.length === 0) return [];
  return [
    `**${LABEL}**:`,
    '',
    '| Process | CPU s | Mean cores | Peak cores (1 s) | Peak RSS MB |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.process} | ${r.cpuSeconds.toFixed(1)} | ${r.meanCores.toFixed(2)} | ${r.peakCores.toFixed(2)} | ${r.peakRssMb} |`,
    ),
    '',
  ];
}

/** The HTML section (empty without samples). */
export function processSection(record: RunRecord): string {
  const rows = processRows(record);
  if (rows.length === 0) return '';
  const body = rows
    .map(
      (r) =>
        `<tr><td>${esc(r.process)}</td><td>${r.cpuSeconds.toFixed(1)}</td><td>${r.meanCores.toFixed(2)}</td><td>${r.peakCores.toFixed(2)}</td><td>${r.peakRssMb}</td></tr>`,
    )
    .join('');
  return `<h2>${esc(LABEL)}</h2><table><thead><tr><th>Process</th><th>CPU s</th><th>Mean cores</th><th>Peak cores (1 s)</th><th>Peak RSS MB</th></tr></thead><tbody>${body}</tbody></table>`;
}
