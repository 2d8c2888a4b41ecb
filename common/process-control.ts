/**
 * Process faults on one process of the system under test: a managed stack's components have this shape
 * (stack/control.ts), and the drills declare they need it (chaos/drills/types.ts) without importing stack/.
 */
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
