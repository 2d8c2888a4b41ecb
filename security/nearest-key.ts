import type { z } from 'zod';

/** Edit distance (insertions, deletions, substitutions) between two short strings. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_v, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const cur = [i];
    for (let j = 1; j <= b.length; j += 1) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The valid key nearest to an unknown one (case-insensitive edit distance; ties: the first). */
export function nearestKey(unknown: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of valid) {
    const d = distance(unknown.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

/**
 * A zod error map for strict objects: an unknown key is named with the
 * nearest valid key of the object it sits in ("unknown key "sendTokens"; did
 * you mean "sendToken"?") instead of zod's bare "Unrecognized key".
 */
export const unknownKeyMessage: z.core.$ZodErrorMap = (iss) => {
  if (iss.code !== 'unrecognized_keys') return undefined;
  const shape = (iss.inst as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
  const valid = Object.keys(shape);
  return iss.keys
    .map((k) => {
      const near = nearestKey(k, valid);
      return `unknown key "${k}"${near ? `; did you mean "${near}"?` : ''} (valid keys here: ${valid.join(', ')})`;
    })
    .join('; ');
};
