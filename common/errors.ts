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

/**
 * Every error code rampart (the harness and the target's processes) raises, with
 * its category, in one list: a code is typed as this union everywhere (error
 * constructors, parseOrThrow, the IPC messages of the target and the fault
 * proxy), so a misspelt code does not compile. docs/errors.md documents each
 * (cli/exit-codes.test.ts holds the two together). The target's HTTP problem codes
 * (BAD_REQUEST, …) are its API's, not these.
 */
export const errorCodes = {
  // input: exit 2
  RAMPART_AUTH_CONFIG_INVALID: 'input',
  RAMPART_AUTH_CONFIG_UNREADABLE: 'input',
  RAMPART_CONFIG_INVALID: 'input',
  RAMPART_DATA_FILE_INVALID: 'input',
  RAMPART_DRILL_INVALID: 'input',
  RAMPART_DRILL_NO_TARGET: 'input',
  RAMPART_DRILL_PROXY_UNKNOWN: 'input',
  RAMPART_DRILL_TOXIC_INVALID: 'input',
  RAMPART_DRILL_UNREADABLE: 'input',
  RAMPART_DURATION_INVALID: 'input',
  RAMPART_ENV_VARIABLE_MISSING: 'input',
  RAMPART_FILE_UNREADABLE: 'input',
  RAMPART_FLAG_INVALID: 'input',
  RAMPART_HAR_INVALID: 'input',
  RAMPART_HAR_UNREADABLE: 'input',
  RAMPART_INIT_FILE_EXISTS: 'input',
  RAMPART_K6_RESULTS_INVALID: 'input',
  RAMPART_NO_DATABASE: 'input',
  RAMPART_NOT_CONTROLLABLE: 'input',
  RAMPART_OPENAPI_INVALID: 'input',
  RAMPART_OPENAPI_UNREADABLE: 'input',
  RAMPART_PROFILE_INVALID: 'input',
  RAMPART_REPORT_FORMAT_INVALID: 'input',
  RAMPART_RUN_RECORD_INVALID: 'input',
  RAMPART_RUN_RECORD_UNREADABLE: 'input',
  RAMPART_SCENARIO_INVALID: 'input',
  RAMPART_SLO_INVALID: 'input',
  RAMPART_SLO_UNREADABLE: 'input',
  RAMPART_STACK_FILE_INVALID: 'input',
  RAMPART_STACK_INSTANCES_INVALID: 'input',
  RAMPART_STACK_LB_INVALID: 'input',
  RAMPART_STACK_PORT_INVALID: 'input',
  RAMPART_STACK_WORKERS_INVALID: 'input',
  RAMPART_SUITE_INVALID: 'input',
  RAMPART_SUITE_NOT_FOUND: 'input',
  RAMPART_SUITE_UNREADABLE: 'input',
  RAMPART_SUPPRESSIONS_INVALID: 'input',
  RAMPART_SUPPRESSIONS_UNREADABLE: 'input',
  RAMPART_TARGET_URL_INVALID: 'input',
  RAMPART_UNKNOWN_COMPONENT: 'input',
  RAMPART_UNKNOWN_DRILL: 'input',
  // environment: exit 3
  RAMPART_COMPONENT_LOG_UNWRITABLE: 'environment',
  RAMPART_DATABASE_UNREACHABLE: 'environment',
  RAMPART_DOCKER_START_FAILED: 'environment',
  RAMPART_DOCKER_UNAVAILABLE: 'environment',
  RAMPART_K6_MISSING: 'environment',
  RAMPART_LB_MISSING: 'environment',
  RAMPART_NO_STACK: 'environment',
  RAMPART_NO_WORKER: 'environment',
  RAMPART_OPENAPI_UNREACHABLE: 'environment',
  RAMPART_PORT_IN_USE: 'environment',
  RAMPART_POSTGRES_BINARIES_MISSING: 'environment',
  RAMPART_POSTGRES_INITDB_FAILED: 'environment',
  RAMPART_POSTGRES_USER_MISSING: 'environment',
  RAMPART_PROXY_LISTEN_FAILED: 'environment',
  RAMPART_PROXY_SETUP_FAILED: 'environment',
  RAMPART_PROXY_START_TIMEOUT: 'environment',
  RAMPART_REDIS_SERVER_MISSING: 'environment',
  RAMPART_REDIS_UNREACHABLE: 'environment',
  RAMPART_SCAN_AUTH_FAILED: 'environment',
  RAMPART_SERVER_EXITED: 'environment',
  RAMPART_SETUP_FAILED: 'environment',
  RAMPART_STACK_DOWN_TIMEOUT: 'environment',
  RAMPART_STACK_UNAVAILABLE: 'environment',
  RAMPART_TARGET_CRASHED: 'environment',
  RAMPART_TARGET_UNREACHABLE: 'environment',
  RAMPART_TOXIPROXY_UNREACHABLE: 'environment',
  RAMPART_WAIT_TIMEOUT: 'environment',
  RAMPART_ZAP_TIMEOUT: 'environment',
  RAMPART_ZAP_UNREACHABLE: 'environment',
  TARGET_CRASH_LOOP: 'environment',
  TARGET_FAILED: 'environment',
  TARGET_MIGRATION_CHANGED: 'environment',
  TARGET_MIGRATION_FAILED: 'environment',
  TARGET_TLS_FILES_UNREADABLE: 'environment',
  TARGET_WORKER_FAILED: 'environment',
  // the others
  RAMPART_OBJECTIVES_BREACHED: 'breach',
  RAMPART_INTERNAL: 'internal',
  RAMPART_INTERRUPTED: 'interrupted',
} as const satisfies Record<`${'RAMPART' | 'TARGET'}_${string}`, ErrorCategory>;

export type RampartErrorCode = keyof typeof errorCodes;
/** The codes of one category, e.g. `CodeOf<'input'>` for what an InputError may carry. */
export type CodeOf<C extends ErrorCategory> = {
  [K in RampartErrorCode]: (typeof errorCodes)[K] extends C ? K : never;
}[RampartErrorCode];
export type InputErrorCode = CodeOf<'input'>;
export type EnvironmentErrorCode = CodeOf<'environment'>;

export const rampartErrorCodes = Object.keys(errorCodes) as RampartErrorCode[];

/** Narrows a value that crossed a process boundary (an IPC message) to a known code. */
export function isRampartErrorCode(value: unknown): value is RampartErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}

export interface RampartErrorOptions {
  cause?: unknown;
  /** A sentence telling the user how to fix it. */
  hint?: string;
  details?: Record<string, unknown>;
}

/**
 * `C` is the code's type: one of the list for rampart's own errors (a subclass
 * narrows it to its literal), `string` only for the target's HTTP problem codes.
 */
export class RampartError<C extends string = RampartErrorCode> extends Error {
  readonly code: C;
  readonly category: ErrorCategory;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** Operational errors are expected in normal use; programmer errors are bugs. */
  get operational(): boolean {
    return this.category !== 'internal';
  }

  constructor(code: C, category: ErrorCategory, message: string, options: RampartErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.category = category;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** Bad input: a flag, a configuration value, a scenario or SLO file. */
export class InputError<C extends InputErrorCode = InputErrorCode> extends RampartError<C> {
  constructor(code: C, message: string, options?: RampartErrorOptions) {
    super(code, 'input', message, options);
  }
}

/** The run was stopped from outside before it could reach a verdict (k6 uses 105 for the same). */
export class InterruptedError extends RampartError<'RAMPART_INTERRUPTED'> {
  constructor(message = 'interrupted', options?: RampartErrorOptions) {
    super('RAMPART_INTERRUPTED', 'interrupted', message, options);
  }
}

/** The environment is not as needed: missing binary, port in use, unreachable server. */
export class EnvironmentError<C extends EnvironmentErrorCode = EnvironmentErrorCode> extends RampartError<C> {
  constructor(code: C, message: string, options?: RampartErrorOptions) {
    super(code, 'environment', message, options);
  }
}

/**
 * The error a code stands for, in its listed category: for a code that crossed a
 * process boundary (the target's or the fault proxy's fatal message).
 */
export function errorForCode(code: RampartErrorCode, message: string, options?: RampartErrorOptions): RampartError {
  const category = errorCodes[code];
  if (category === 'input') return new InputError(code as InputErrorCode, message, options);
  if (category === 'environment') return new EnvironmentError(code as EnvironmentErrorCode, message, options);
  return new RampartError(code, category, message, options);
}

export class ConfigInvalidError extends InputError<'RAMPART_CONFIG_INVALID'> {
  constructor(message: string, options?: RampartErrorOptions) {
    super('RAMPART_CONFIG_INVALID', message, options);
  }
}

export class PortInUseError extends EnvironmentError<'RAMPART_PORT_IN_USE'> {
  constructor(host: string, port: number, options?: RampartErrorOptions) {
    super('RAMPART_PORT_IN_USE', `port ${port} on ${host} is already in use`, {
      hint: 'stop whatever listens there, or choose another port (0 picks a free one)',
      ...options,
    });
  }
}

export class TargetUnreachableError extends EnvironmentError<'RAMPART_TARGET_UNREACHABLE'> {
  constructor(url: string, options?: RampartErrorOptions) {
    super('RAMPART_TARGET_UNREACHABLE', `cannot reach ${url}`, {
      hint: 'check that the server is running and the URL (scheme, host, port) is right',
      ...options,
    });
  }
}

/** Raised after a run whose objectives were measured and not all met. */
export class ObjectivesBreachedError extends RampartError<'RAMPART_OBJECTIVES_BREACHED'> {
  constructor(message: string, options?: RampartErrorOptions) {
    super('RAMPART_OBJECTIVES_BREACHED', 'breach', message, options);
  }
}

/** Any RampartError, the target's HTTP errors included (their `code` is a string). */
export function isRampartError(err: unknown): err is RampartError<string> {
  return err instanceof RampartError;
}
