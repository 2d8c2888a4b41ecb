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

/** An error that ended a command: its category's code (a non-rampart error is a bug: 3). */
export function exitCodeForError(err: unknown): ExitCodeValue {
  if (isRampartError(err)) return byCategory[err.category];
  return ExitCode.environment;
}

/** How a command that judged something ended, the one input of its exit code. */
export interface Outcome {
  /** The judged verdict; null: nothing was judged, no objective passed, so no PASS (1). */
  verdict: 'pass' | 'fail' | 'inconclusive' | null;
  /** The environment failed under a run whose record was still written (the target stopped answering mid-scan): 3. */
  environmentFailed?: boolean;
}

/**
 * The one mapping from a command's outcome to its exit code (gate, run, drill, scan, load, report, k6 import):
 * 0 a PASS, 1 a FAIL or INCONCLUSIVE (or nothing judged), 3 the environment failed under the run. Errors (2, 3,
 * 105 interrupted) are thrown and mapped by exitCodeForError; README's "Exit codes" says the same.
 */
export function exitCodeFor(outcome: Outcome): ExitCodeValue {
  if (outcome.environmentFailed) return ExitCode.environment;
  return outcome.verdict === 'pass' ? ExitCode.ok : ExitCode.breached;
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
