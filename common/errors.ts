/**
 * One base error with a stable literal `code` and a category. The category is
 * what the two translation tables read: the CLI maps it to an exit code
 * (cli/exit-codes.ts) and the target's error middleware maps its own HTTP
 * errors to problem+json. Nothing else inspects errors.
 */
export type ErrorCategory =
  /** The user gave something wrong: a flag, a file, a value. Exit 2. */
  | 'input'
  /** The machine or a dependency is not as needed: a port in use, a binary missing, a server unreachable. Exit 3. */
  | 'environment'
  /** An objective was measured and breached. Exit 1. */
  | 'breach'
  /** A bug in rampart. Exit 3 as well, but reported with its stack. */
  | 'internal'
  /** Stopped by a signal (Ctrl-C, SIGTERM, the parent gone): faults rolled back, what was measured written, no verdict. Exit 105. */
  | 'interrupted';

export interface RampartErrorOptions {
  cause?: unknown;
  /** A sentence telling the user how to fix it. */
  hint?: string;
  details?: Record<string, unknown>;
}

export class RampartError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** Operational errors are expected in normal use; programmer errors are bugs. */
  get operational(): boolean {
    return this.category !== 'internal';
  }

  constructor(code: string, category: ErrorCategory, message: string, options: RampartErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.category = category;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** Bad input: a flag, a configuration value, a scenario or SLO file. */
export class InputError extends RampartError {
  constructor(code: string, message: string, options?: RampartErrorOptions) {
    super(code, 'input', message, options);
  }
}

/** The run was stopped from outside before it could reach a verdict (k6 uses 105 for the same). */
export class InterruptedError extends RampartError {
  constructor(message = 'interrupted', options?: RampartErrorOptions) {
    super('RAMPART_INTERRUPTED', 'interrupted', message, options);
  }
}

/** The environment is not as needed: missing binary, port in use, unreachable server. */
export class EnvironmentError extends RampartError {
  constructor(code: string, message: string, options?: RampartErrorOptions) {
    super(code, 'environment', message, options);
  }
}

export class ConfigInvalidError extends InputError {
  constructor(message: string, options?: RampartErrorOptions) {
    super('RAMPART_CONFIG_INVALID', message, options);
  }
}

export class PortInUseError extends EnvironmentError {
  constructor(host: string, port: number, options?: RampartErrorOptions) {
    super('RAMPART_PORT_IN_USE', `port ${port} on ${host} is already in use`, {
      hint: 'stop whatever listens there, or choose another port (0 picks a free one)',
      ...options,
    });
  }
}

export class TargetUnreachableError extends EnvironmentError {
  constructor(url: string, options?: RampartErrorOptions) {
    super('RAMPART_TARGET_UNREACHABLE', `cannot reach ${url}`, {
      hint: 'check that the server is running and the URL (scheme, host, port) is right',
      ...options,
    });
  }
}

/** Raised after a run whose objectives were measured and not all met. */
export class ObjectivesBreachedError extends RampartError {
  constructor(message: string, options?: RampartErrorOptions) {
    super('RAMPART_OBJECTIVES_BREACHED', 'breach', message, options);
  }
}

export function isRampartError(err: unknown): err is RampartError {
  return err instanceof RampartError;
}
