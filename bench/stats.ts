// Summaries the benchmarks print over repeated rounds.

/** The median (the mean of the two middle values for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** "lo–hi" of the values with `digits` decimals ("lo to hi" when lo is negative; one value: just it). */
export function range(xs: readonly number[], digits = 2): string {
  const lo = Math.min(...xs);
  const [a, b] = [lo.toFixed(digits), Math.max(...xs).toFixed(digits)];
  return a === b ? a : `${a}${lo < 0 ? ' to ' : '–'}${b}`;
}
