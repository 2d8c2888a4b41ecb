export interface ParentWatchOptions {
  /** How often to look (default 250 ms). */
  intervalMs?: number;
  /** Reads the parent pid (default process.ppid, which asks the kernel each time). */
  readPpid?: () => number;
}

/**
 * Calls `onOrphaned` once when this process is re-parented, i.e. the process
 * that started it has gone: npm's `sh -c` wrapper killed by a SIGTERM that npm
 * forwarded to it and not to us, a CI step's shell that exited. No signal will
 * ever reach us from that parent, so we stop as on SIGTERM instead of running
 * on under init. Linux's PR_SET_PDEATHSIG cannot be set by a Node process on
 * itself; asking for getppid() a few times a second costs one system call.
 * A process started by init (ppid 1: a container's entry point, `setsid -f`)
 * has no parent to lose and is not watched.
 */
export function watchParent(onOrphaned: (formerParent: number) => void, opts: ParentWatchOptions = {}): () => void {
  const readPpid = opts.readPpid ?? (() => process.ppid);
  const parent = readPpid();
  if (parent <= 1) return () => undefined;
  const timer = setInterval(() => {
    if (readPpid() === parent) return;
    clearInterval(timer);
    onOrphaned(parent);
  }, opts.intervalMs ?? 250);
  timer.unref();
  return () => clearInterval(timer);
}
