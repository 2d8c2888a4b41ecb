import { describe, expect, it } from 'vitest';
import { lineChart } from './svg-chart.ts';

const base = { id: 'c', title: 'Latency', unit: 'ms', xStart: 0, xEnd: 100_000 };

describe('the SVG line chart', () => {
  it('clips a lone spike so the rest of the series stays readable, and says so', () => {
    const points: Array<[number, number]> = Array.from({ length: 100 }, (_, i) => [
      i * 1000,
      i === 50 ? 10_000 : 10 + (i % 5),
    ]);
    const svg = lineChart({ ...base, series: [{ name: 'p95', color: '#000', points }] });
    expect(svg).toContain('clipped at 25.0 ms (max 10000)');
    const ys = / points="([^"]+)"/
      .exec(svg)![1]!
      .split(' ')
      .map((xy) => Number(xy.split(',')[1]));
    // 10..14 ms spread over ~28 px on a 25 ms axis; unclipped (10 s axis) they would lie within 1 px.
    expect(Math.max(...ys) - Math.min(...ys.filter((_, i) => i !== 50))).toBeGreaterThan(20);
  });

  it('does not clip when high values are common, and leaves gaps for missing points', () => {
    const points: Array<[number, number | null]> = Array.from({ length: 100 }, (_, i) => [
      i * 1000,
      i < 20 ? 500 : i === 60 ? null : 10,
    ]);
    const svg = lineChart({ ...base, series: [{ name: 'p95', color: '#000', points }] });
    expect(svg).not.toContain('clipped');
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('data-points="99"');
  });
});
