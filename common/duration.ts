import { InputError } from './errors.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses k6-style durations ("500ms", "30s", "1m30s", "2h") into milliseconds.
 * A bare number is read as seconds, as k6 does for CLI flags.
 */
export function parseDuration(input: string | number, key = 'duration'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0)
      throw new InputError('RAMPART_DURATION_INVALID', `${key}: ${input} is not a duration`);
    return input * 1000;
  }
  const text = input.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = re.exec(text)) !== null) {
    total += Number(match[1]) * (UNITS[match[2] as string] as number);
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || text.length === 0) {
    throw new InputError('RAMPART_DURATION_INVALID', `${key}: "${input}" is not a duration`, {
      hint: 'write it like 500ms, 30s, 1m30s or 2h',
    });
  }
  return total;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return rest === 0 ? `${m}m` : `${m}m${rest}s`;
}
