/** Process faults on one component of the stack (see stack/control.ts). */
export interface ProcessControl {
  /** Graceful stop of the process; its data is kept so restart() brings it back. */
  stop(): Promise<void>;
  /** kill -9 (the whole process group). */
  kill(): Promise<void>;
  /** SIGSTOP: the process is frozen, connections hang. */
  pause(): Promise<void>;
  /** SIGCONT after pause(). */
  resume(): Promise<void>;
  /** Starts it again (after stop/kill, or stops it first if running), on the same port and data; resolves when ready. */
  restart(): Promise<void>;
  /** Resolves when the component answers again; rejects after timeoutMs. */
  waitReady(timeoutMs?: number): Promise<void>;
}

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
