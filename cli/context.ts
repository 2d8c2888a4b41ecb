import type { EnvConfig } from '../common/index.ts';

/** What every command receives: configuration parsed once, and where to write. */
export interface CliContext {
  env: EnvConfig;
  /** The environment rampart started with, frozen: the values of {{env.NAME}} in suite files. */
  vars: Readonly<Record<string, string | undefined>>;
  /** The working directory, where ./slo.yaml is looked for. */
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on the first SIGINT/SIGTERM; long work stops, rolls back and writes what it measured. */
  signal: AbortSignal;
  /** Set by a command to the exit code it wants when it returns normally (e.g. 1 on a breach). */
  exitCode: number;
}
