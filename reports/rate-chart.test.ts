import { describe, expect, it } from 'vitest';
import { renderHtml } from './render/html.ts';
import { timeData } from './render/timeseries.ts';
import { syntheticRecord } from './testing.ts';

describe('the rate chart', () => {
  it('draws sends and completions apart: a stall is 0 completions then a spike, while sends hold at the rate', () => {
    const r = syntheticRecord({ seconds: 10, rps: 20, scenario: 'load', latencyMs: () => 5 });
    // The server answers nothing in seconds 3-5 and everything at once in second 6.
    const stalled = r.samples.filter((s) => s.ts >= r.meta.startedAt + 3000 && s.ts < r.meta.startedAt + 6000);
    const spike = r.samples.find((s) => s.ts === r.meta.startedAt + 6000)!;
    for (const s of stalled) {
      spike.count += s.count;
      s.count = 0;
    }
    const t = timeData(r);
    const sent = t.rate.find((s) => s.name === 'sent/s')!.points.map(([, v]) => v);
    const completed = t.rate.find((s) => s.name === 'completed/s')!.points.map(([, v]) => v);
    expect(sent.slice(0, 10)).toEqual(Array(10).fill(20));
    expect(completed.slice(3, 6)).toEqual([0, 0, 0]);
    expect(completed[6]).toBe(80);
    const html = renderHtml(r);
    expect(html).toContain('data-series="sent/s"');
    expect(html).toContain('data-series="completed/s"');
    expect(html).toContain('Sent, completed and target rate');
  });
});
