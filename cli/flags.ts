import { InputError, type RampartErrorOptions } from '../common/index.ts';
import type { LbKind } from '../stack/index.ts';

/** A flag's value is wrong (exit 2); the message names the flag. */
export class FlagInvalidError extends InputError<'RAMPART_FLAG_INVALID'> {
  constructor(message: string, options?: RampartErrorOptions) {
    super('RAMPART_FLAG_INVALID', message, options);
  }
}

/**
 * A library's parser applied to a flag's value: libraries throw domain errors
 * that know nothing of flags, and an InputError comes back out naming the flag
 * ("--format: unknown format "pdf"").
 */
export function forFlag<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw flagError(flag, err);
  }
}

/** The same for an error already caught: an InputError comes back naming the flag, anything else as it was. */
export function flagError(flag: string, err: unknown): unknown {
  return err instanceof InputError ? new FlagInvalidError(`${flag}: ${err.message}`, { hint: err.hint, cause: err }) : err;
}

/**
 * Flag parsers shared by the commands: each names the flag, the value it got
 * and an example, and throws FlagInvalidError (exit 2).
 */
export function intFlag(flag: string, value: string, min: number, max: number, example?: string | number): number;
export function intFlag(flag: string, value: string | undefined, min: number, max: number, example?: string | number): number | undefined;
export function intFlag(flag: string, value: string | undefined, min: number, max: number, example?: string | number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new FlagInvalidError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`, {
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
  throw new FlagInvalidError(`${flag} must be a ${schemes.join(' or ')}// URL, got "${value}"`, { hint: `e.g. ${flag} ${example}` });
}

/**
 * --lb/--instances of the commands that start managed stacks: undefined without --lb; exit 2 for
 * a balancer rampart cannot run, a count out of range, --instances > 1 without --lb, or either with --target.
 */
export async function scaleOutFlags(flags: { lb?: string; instances?: string; target?: string }): Promise<{ lb: LbKind; instances?: number } | undefined> {
  const instances = intFlag('--instances', flags.instances, 1, 16, 2);
  if (flags.lb === undefined) {
    if (instances !== undefined && instances > 1) {
      throw new FlagInvalidError(`--instances ${instances} needs a load balancer in front of the instances`, { hint: `add --lb nginx (--lb nginx --instances ${instances})` });
    }
    return undefined;
  }
  if (flags.target !== undefined) {
    throw new FlagInvalidError('--lb scales out the managed stack; --target is a server rampart does not start', { hint: 'drop --target to run against a scaled-out managed stack, or --lb to use your server' });
  }
  const lb = flags.lb;
  // The stack's door loads only when the flag is given.
  const { parseLbKind } = await import('../stack/index.ts');
  return { lb: forFlag('--lb', () => parseLbKind(lb)), ...(instances !== undefined ? { instances } : {}) };
}
