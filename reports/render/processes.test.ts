import { describe, expect, it } from 'vitest';
import { createRunRecord } from '../run-record-io.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { processRows } from './processes.ts';

describe('where the time went', () => {
  const record = createRunRecord({ command: 'test', profile: 'quick', target: 'http://127.0.0.1:1' });
  record.processes.push(
    { ts: 0, process: 'target', cpu: 0.5, rssMb: 120 }, { ts: 1000, process: 'target', cpu: 1.5, rssMb: 140 },
    { ts: 0, process: 'postgres', cpu: 0.25, rssMb: 60 }, { ts: 1000, process: 'postgres', cpu: 0.25, rssMb: 61 },
    { ts: 0, process: 'rampart', cpu: 0.1, rssMb: 90 }, { ts: 1000, process: 'rampart', cpu: 0.3, rssMb: 95 },
  );

  it('sums each group\'s CPU over the samples, busiest first, with its mean and peak cores and peak memory', () => {
    expect(processRows(record)).toEqual([
      { process: 'target', cpuSeconds: 2, meanCores: 1, peakCores: 1.5, peakRssMb: 140 },
      { process: 'postgres', cpuSeconds: 0.5, meanCores: 0.25, peakCores: 0.25, peakRssMb: 61 },
      { process: 'rampart', cpuSeconds: expect.closeTo(0.4, 6), meanCores: expect.closeTo(0.2, 6), peakCores: 0.3, peakRssMb: 95 },
    ]);
  });

  it('shows the table in summary.md and report.html, and nothing without samples (a --target run)', () => {
    expect(renderMarkdown(record)).toContain('| target | 2.0 | 1.00 | 1.50 | 140 |');
    expect(renderHtml(record)).toContain('<td>postgres</td><td>0.5</td><td>0.25</td><td>0.25</td><td>61</td>');
    const bare = createRunRecord({ command: 'test', profile: 'quick', target: 'http://127.0.0.1:1' });
    expect(renderMarkdown(bare)).not.toContain('Where the time went');
    expect(renderHtml(bare)).not.toContain('Where the time went');
  });
});
