import { describe, expect, it } from 'vitest';
import { createRunRecord } from '../run-record-io.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { processRows } from './processes.ts';

describe('where the time went', () => {
  const record = createRunRecord({ command: 'test', profile: 'quick', target: 'http://127.0.0.1:1' });
  record.processes.push(
    // The second bucket of each took 2 s (a late tick on a busy machine): its CPU time counts whole.
    { ts: 0, process: 'target', cpu: 0.5, cpuMs: 500, rssMb: 120 },
    { ts: 1000, process: 'target', cpu: 1.5, cpuMs: 3000, rssMb: 140 },
    { ts: 0, process: 'postgres', cpu: 0.25, cpuMs: 250, rssMb: 60 },
    { ts: 1000, process: 'postgres', cpu: 0.25, cpuMs: 500, rssMb: 61 },
    { ts: 0, process: 'rampart', cpu: 0.1, cpuMs: 100, rssMb: 90 },
    { ts: 1000, process: 'rampart', cpu: 0, cpuMs: 0, rssMb: 95 },
  );

  it("sums each group's CPU over the samples, busiest first, with its mean and peak cores and peak memory", () => {
    expect(processRows(record)).toEqual([
      { process: 'target', cpuSeconds: 3.5, meanCores: expect.closeTo(3.5 / 3, 6), peakCores: 1.5, peakRssMb: 140 },
      { process: 'postgres', cpuSeconds: 0.75, meanCores: 0.25, peakCores: 0.25, peakRssMb: 61 },
      { process: 'rampart', cpuSeconds: 0.1, meanCores: 0.05, peakCores: 0.1, peakRssMb: 95 },
    ]);
  });

  it('shows the table in summary.md and report.html, and nothing without samples (a --target run)', () => {
    expect(renderMarkdown(record)).toContain('| target | 3.5 | 1.17 | 1.50 | 140 |');
    expect(renderHtml(record)).toContain('<td>postgres</td><td>0.8</td><td>0.25</td><td>0.25</td><td>61</td>');
    const bare = createRunRecord({ command: 'test', profile: 'quick', target: 'http://127.0.0.1:1' });
    expect(renderMarkdown(bare)).not.toContain('Where the time went');
    expect(renderHtml(bare)).not.toContain('Where the time went');
  });
});
