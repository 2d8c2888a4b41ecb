import type { ProcessControl } from '../common/index.ts';

export type { ProcessControl };

export interface ExitInfo {
  component: string;
  pid: number;
  code: number | null;
  signal: string | null;
}

/** A server process started by stack/ (PostgreSQL, Redis). */
export interface StartedServer extends ProcessControl {
  readonly url: string;
  readonly port: number;
  /** Pid of the current server process (changes on restart). */
  readonly pid: number;
  /** True while the server process runs (paused counts as running). */
  readonly running: boolean;
  /** Called when the server exits without having been asked to (a crash). */
  onExit(cb: (info: ExitInfo) => void): void;
  /** Stops for good: stops the process and removes its temporary data. Idempotent. */
  stop(): Promise<void>;
  /** Stops the process but keeps its data (the 'stop' process fault). */
  stopProcess(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
