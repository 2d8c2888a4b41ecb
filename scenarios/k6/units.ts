/** k6 reads a bare number as milliseconds; a rampart file means seconds ("30" and 30 are 30 s). */
export const dur = (d: string | number) =>
  typeof d === 'number' || /^\s*\d+(\.\d+)?\s*$/.test(d) ? `${Number(d)}s` : d.trim();
export const msText = (ms: number) => `${Math.round(ms)}ms`;

/**
 * k6 wants whole iterations per timeUnit: a fractional rate (0.5/s, 2.5/s) becomes whole iterations
 * over a longer timeUnit (1 per 2 s, 5 per 2 s). Returns the factor to multiply rates and the timeUnit by.
 */
export function rateFactor(rates: number[]): { factor: number; exact: boolean } {
  for (let k = 1; k <= 1000; k++)
    if (rates.every((r) => Math.abs(r * k - Math.round(r * k)) < 1e-9)) return { factor: k, exact: true };
  return { factor: 1000, exact: false };
}
