import { EnvironmentError, waitFor, type WaitStrategy } from '../common/index.ts';
import { isAlive, spawnManaged, stopChild, type ManagedChild, type SpawnManagedOptions } from './child.ts';
import type { ExitInfo, StartedServer } from './types.ts';

/**
 * The lifecycle shared by PostgreSQL and Redis: one server process at a time,
 * started from a command line, with readiness, graceful stop, kill -9,
 * SIGSTOP/SIGCONT and crash detection. The server-specific parts are passed in.
 */
export interface ServerSpec {
  component: string;
  command: string;
  args: string[];
  spawn: Omit<SpawnManagedOptions, 'onOutput'>;
  /** Signal for a graceful stop (PostgreSQL: SIGINT = fast shutdown). */
  stopSignal: NodeJS.Signals;
  ready: WaitStrategy;
  readyTimeoutMs: number;
  log?: (line: string) => void;
}

export class ServerProcess {
  #child: ManagedChild | undefined;
  #expectExit = false;
  #tail: string[] = [];
  #exitListeners: Array<(info: ExitInfo) => void> = [];
  readonly spec: ServerSpec;

  constructor(spec: ServerSpec) {
    this.spec = spec;
  }

  get pid(): number {
    return this.#child?.pid ?? -1;
  }

  get running(): boolean {
    return this.#child !== undefined && !this.#child.hasExited();
  }

  /** The last lines the server printed (for error messages). */
  get tail(): string {
    return this.#tail.join('\n');
  }

  onExit(cb: (info: ExitInfo) => void): void {
    this.#exitListeners.push(cb);
  }

  async start(): Promise<void> {
    if (this.running) return;
    const { spec } = this;
    this.#expectExit = false;
    const child = spawnManaged(spec.command, spec.args, {
      ...spec.spawn,
      onOutput: (line) => {
        this.#tail.push(line);
        if (this.#tail.length > 20) this.#tail.shift();
        spec.log?.(`[${spec.component}] ${line}`);
      },
    });
    this.#child = child;
    void child.exited.then(({ code, signal }) => {
      if (this.#expectExit || this.#child !== child) return;
      for (const cb of this.#exitListeners) cb({ component: spec.component, pid: child.pid, code, signal });
    });
    try {
      await this.waitReady(spec.readyTimeoutMs);
    } catch (err) {
      await this.stopProcess();
      throw err;
    }
  }

  async waitReady(timeoutMs = this.spec.readyTimeoutMs): Promise<void> {
    const child = this.#child;
    await waitFor(this.spec.ready, {
      timeoutMs,
      intervalMs: 50,
      abortIf: () =>
        child === undefined || child.hasExited()
          ? new EnvironmentError('RAMPART_SERVER_EXITED', `${this.spec.component} exited before it was ready`, {
              hint: this.tail ? `its last output:\n${this.tail}` : 'run it by hand to see why',
            })
          : undefined,
    });
  }

  async stopProcess(graceMs = 10_000): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#expectExit = true;
    await stopChild(child, this.spec.stopSignal, graceMs);
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#expectExit = true;
    await stopChild(child, 'SIGKILL', 5000);
  }

  pause(): void {
    this.#child?.signalTree('SIGSTOP');
  }

  resume(): void {
    this.#child?.signalTree('SIGCONT');
  }

  async restart(): Promise<void> {
    if (this.running) await this.stopProcess();
    await this.start();
  }

  /** True if the current process is gone (checked against the OS, not just our bookkeeping). */
  isDead(): boolean {
    return this.#child === undefined || !isAlive(this.#child.pid);
  }
}

/**
 * The public face of a started server (PostgreSQL, Redis): its address and
 * lifecycle. `cleanup` runs once after the process stopped (e.g. remove the data dir).
 */
export function startedServer(
  server: ServerProcess,
  url: string,
  port: number,
  cleanup?: () => Promise<void>,
): StartedServer {
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await server.stopProcess();
      await cleanup?.();
    })());
  return {
    url,
    port,
    get pid() {
      return server.pid;
    },
    get running() {
      return server.running;
    },
    onExit: (cb) => server.onExit(cb),
    stop,
    stopProcess: () => server.stopProcess(),
    kill: () => server.kill(),
    pause: async () => server.pause(),
    resume: async () => server.resume(),
    restart: () => server.restart(),
    waitReady: (timeoutMs) => server.waitReady(timeoutMs),
    [Symbol.asyncDispose]: stop,
  };
}
