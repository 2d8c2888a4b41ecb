import { describe, expect, it } from 'vitest';
import { median, range } from './stats.ts';

describe('bench summaries', () => {
  it('median: the middle value, the mean of the two middle ones for an even count, unsorted input', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([0.47])).toBe(0.47);
    expect(median([])).toBeNaN();
  });
  it('range: lo–hi, "lo to hi" across zero, one value alone', () => {
    expect(range([0.32, 0.23, 0.27])).toBe('0.23–0.32');
    expect(range([-0.08, 0.2])).toBe('-0.08 to 0.20');
    expect(range([0.37, 0.371])).toBe('0.37');
    expect(range([1.5, 2.25], 1)).toBe('1.5–2.3');
  });
});
