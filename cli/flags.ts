import path from 'node:path';
import { Option } from 'commander';
import { InputError, parseProfile, parseTargetUrl, type Profile, type RampartErrorOptions } from '../common/index.ts';
import type { CliContext } from './context.ts';
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
  return err instanceof InputError
    ? new FlagInvalidError(`${flag}: ${err.message}`, { hint: err.hint, cause: err })
    : err;
}

/**
 * Flag parsers shared by the commands: each names the flag, the value it got
 * and an example, and throws FlagInvalidError (exit 2).
 */
export function intFlag(flag: string, value: string, min: number, max: number, example?: string | number): number;
export function intFlag(
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
  example?: string | number,
): number | undefined;
export function intFlag(
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
  example?: string | number,
): number | undefined {
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
export function urlFlag(
  flag: string,
  value: string | undefined,
  schemes: string[],
  example: string,
): string | undefined;
export function urlFlag(
  flag: string,
  value: string | undefined,
  schemes: string[],
  example: string,
): string | undefined {
  if (value === undefined) return undefined;
  try {
    if (schemes.includes(new URL(value).protocol)) return value.replace(/\/$/, '');
  } catch {
    // falls through to the error
  }
  throw new FlagInvalidError(`${flag} must be a ${schemes.join(' or ')}// URL, got "${value}"`, {
    hint: `e.g. ${flag} ${example}`,
  });
}

/**
 * The flags every command shares, each defined once with one help text and parsed as commander reads it: the
 * action receives a URL and a Profile, which the layers below take as they are.
 */
export function targetFlag(): Option {
  return new Option(
    '--target <url>',
    'a server someone else runs (http or https), instead of starting the managed stack',
  ).argParser((v: string) => parseTargetUrl(v, '--target'));
}

export function profileFlag(defaultProfile: Profile = 'quick'): Option {
  return new Option('--profile <quick|full>', 'quick (CI, minutes) or full (the real thing)')
    .default(defaultProfile)
    .argParser((v: string) => parseProfile(v, '--profile'));
}

/** --out: the directory run.json and the reports go to; `shown` describes a default computed at run time. */
export function outFlag(defaultDir: string | undefined, shown?: string): Option {
  return new Option('--out <dir>', 'directory for run.json and the reports').default(defaultDir, shown);
}

/** The options of every command that starts managed stacks: where their children's output goes. */
export function stackLogFlag(): Option {
  return new Option(
    '--verbose',
    "stream the managed stack's component logs (PostgreSQL, Redis, proxy, target) here instead of <out>/components.log",
  );
}

/** --lb and --instances: the managed stack scaled out (read by scaleOutFlags). */
export function lbFlag(): Option {
  return new Option(
    '--lb <name>',
    'scale the managed stack out: its target instances behind this load balancer (nginx or haproxy)',
  );
}

export function instancesFlag(): Option {
  return new Option('--instances <n>', 'with --lb: target instances, each its own cluster (default 2)');
}

/**
 * One rule for the managed stack's output, whatever the command: its children's output goes to
 * <out>/components.log (--verbose: to stderr), its own lines (a crash, seeding) to stderr. With --target no stack starts.
 */
export function stackLogging(
  flags: { verbose?: boolean; target?: URL | undefined },
  outDir: string,
  ctx: Pick<CliContext, 'stderr'>,
): { componentLogFile?: string; stackLog: (line: string) => void } {
  const stackLog = (l: string) => void ctx.stderr.write(`stack: ${l}\n`);
  return flags.target || flags.verbose
    ? { stackLog }
    : { componentLogFile: path.join(outDir, 'components.log'), stackLog };
}

/**
 * --lb/--instances of the commands that start managed stacks: undefined without --lb; exit 2 for
 * a balancer rampart cannot run, a count out of range, --instances > 1 without --lb, or either with --target.
 */
export async function scaleOutFlags(flags: {
  lb?: string;
  instances?: string;
  target?: URL | string | undefined;
}): Promise<{ lb: LbKind; instances?: number } | undefined> {
  const instances = intFlag('--instances', flags.instances, 1, 16, 2);
  if (flags.lb === undefined) {
    if (instances !== undefined && instances > 1) {
      throw new FlagInvalidError(`--instances ${instances} needs a load balancer in front of the instances`, {
        hint: `add --lb nginx (--lb nginx --instances ${instances})`,
      });
    }
    return undefined;
  }
  if (flags.target !== undefined) {
    throw new FlagInvalidError('--lb scales out the managed stack; --target is a server rampart does not start', {
      hint: 'drop --target to run against a scaled-out managed stack, or --lb to use your server',
    });
  }
  const lb = flags.lb;
  // The stack's door loads only when the flag is given.
  const { parseLbKind } = await import('../stack/index.ts');
  return { lb: forFlag('--lb', () => parseLbKind(lb)), ...(instances !== undefined ? { instances } : {}) };
}
