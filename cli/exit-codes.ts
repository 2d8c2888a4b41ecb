import { isRampartError, type ErrorCategory } from '../common/index.ts';

/**
 * The CLI's one translation table from errors to exit codes. Like k6, "the
 * objectives were breached" is distinct from "the input was bad" and from
 * "the environment failed".
 */
export const ExitCode = {
  ok: 0,
  breached: 1,
  badInput: 2,
  environment: 3,
  /** Interrupted (Ctrl-C, SIGTERM, parent gone): what was measured is written, no verdict was reached. As k6. */
  interrupted: 105,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const byCategory: Record<ErrorCategory, ExitCodeValue> = {
  breach: ExitCode.breached,
  input: ExitCode.badInput,
  environment: ExitCode.environment,
  internal: ExitCode.environment,
  interrupted: ExitCode.interrupted,
};

export function exitCodeFor(err: unknown): ExitCodeValue {
  if (isRampartError(err)) return byCategory[err.category];
  return ExitCode.environment;
}

/** The message printed for an error: what is wrong, then how to fix it. */
export function describeError(err: unknown): string {
  if (isRampartError(err)) {
    const lines = [`rampart: ${err.message} [${err.code}]`];
    if (err.hint) lines.push(`  fix: ${err.hint}`);
    if (err.category === 'internal' && err.stack) lines.push(err.stack);
    return lines.join('\n');
  }
  const e = err as Error;
  return `rampart: internal error: ${e?.stack ?? String(err)}`;
}
