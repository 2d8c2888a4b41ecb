import { InputError } from '../common/index.ts';

/**
 * Flag parsers shared by the commands: each names the flag, the value it got
 * and an example, and throws InputError (exit 2).
 */
export function intFlag(flag: string, value: string, min: number, max: number, example?: string | number): number;
export function intFlag(flag: string, value: string | undefined, min: number, max: number, example?: string | number): number | undefined;
export function intFlag(flag: string, value: string | undefined, min: number, max: number, example?: string | number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new InputError('RAMPART_FLAG_INVALID', `${flag} must be a whole number from ${min} to ${max}, got "${value}"`, {
      hint: `e.g. ${flag} ${example ?? Math.max(min, 1)}`,
    });
  }
  return n;
}

/** A URL whose scheme is one of `schemes` ("http:", "postgres:"…); a trailing slash is dropped. */
export function urlFlag(flag: string, value: string, schemes: string[], example: string): string;
export function urlFlag(flag: string, value: string | undefined, schemes: string[], example: string): string | undefined;
export function urlFlag(flag: string, value: string | undefined, schemes: string[], example: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    if (schemes.includes(new URL(value).protocol)) return value.replace(/\/$/, '');
  } catch {
    // falls through to the error
  }
  throw new InputError('RAMPART_FLAG_INVALID', `${flag} must be a ${schemes.join(' or ')}// URL, got "${value}"`, { hint: `e.g. ${flag} ${example}` });
}
