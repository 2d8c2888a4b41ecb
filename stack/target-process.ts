import {
  nodeEntry,
  waitFor,
  EnvironmentError,
  PortInUseError,
  errorCodes,
  errorForCode,
  type RampartErrorCode,
  type WaitStrategy,
} from '../common/index.ts';
import type { TargetMessage } from '../target/index.ts';
import { isAlive, spawnManaged, stopChild, type ManagedChild } from './child.ts';
import { forTargetReady } from './readiness.ts';
import type { ExitInfo } from './types.ts';

export interface TargetProcessOptions {
  env: NodeJS.ProcessEnv;
  workers: number;
  host: string;
  port: number;
  /** CA to trust for the readiness probe when the target serves TLS. */
  ca?: string;
  log?: (line: string) => void;
  readyTimeoutMs?: number;
}

// Only the message types are imported: loading target/'s door would load the whole app into this process.
const TARGET_TYPES = new Set(['target.ready', 'target.worker-online', 'target.worker-exit', 'target.fatal']);
const isTargetMessage = (m: unknown): m is TargetMessage =>
  typeof m === 'object' && m !== null && TARGET_TYPES.has(String((m as { type?: unknown }).type));

/** The target's cluster primary (target/cluster.ts) as a child with an IPC channel. */
export class TargetProcess {
  #child: ManagedChild | undefined;
  #workers = new Set<number>();
  #expectedWorkerExits = new Set<number>();
  #expectExit = false;
  #tail: string[] = [];
  #exitListeners: Array<(info: ExitInfo) => void> = [];
  #workerListeners: Array<() => void> = [];
  url = '';
  readonly opts: TargetProcessOptions;

  constructor(opts: TargetProcessOptions) {
    this.opts = opts;
  }

  get pid(): number {
    return this.#child?.pid ?? -1;
  }

  get workerPids(): number[] {
    return [...this.#workers];
  }

  get tail(): string {
    return this.#tail.join('\n');
  }

  onExit(cb: (info: ExitInfo) => void): void {
    this.#exitListeners.push(cb);
  }

  /** Marks a worker's coming exit as asked for (a process fault), not a crash. */
  expectWorkerExit(pid: number): void {
    this.#expectedWorkerExits.add(pid);
  }

  async start(): Promise<void> {
    const { opts } = this;
    this.#expectExit = false;
    this.#workers.clear();
    const entry = nodeEntry('target/cluster.ts');
    const child = spawnManaged(process.execPath, [...entry.execArgv, entry.file], {
      env: opts.env,
      ipc: true,
      deathSignal: 'SIGTERM',
      onOutput: (line) => {
        this.#tail.push(line);
        if (this.#tail.length > 30) this.#tail.shift();
        opts.log?.(`[target] ${line}`);
      },
    });
    this.#child = child;
    let fatal: TargetMessage | undefined;
    let ready: Extract<TargetMessage, { type: 'target.ready' }> | undefined;
    child.process.on('message', (msg: unknown) => {
      if (!isTargetMessage(msg)) return;
      if (msg.type === 'target.ready') {
        ready = msg;
        for (const pid of msg.workers) this.#workers.add(pid);
      } else if (msg.type === 'target.worker-online') {
        this.#workers.add(msg.pid);
      } else if (msg.type === 'target.worker-exit') {
        this.#workers.delete(msg.pid);
        const expected = this.#expectedWorkerExits.delete(msg.pid);
        if (!expected && !this.#expectExit) {
          for (const cb of this.#exitListeners)
            cb({ component: 'worker', pid: msg.pid, code: msg.code, signal: msg.signal });
        }
      } else if (msg.type === 'target.fatal') {
        fatal = msg;
      }
      for (const cb of this.#workerListeners) cb();
    });
    void child.exited.then(({ code, signal }) => {
      if (this.#expectExit || this.#child !== child) return;
      for (const cb of this.#exitListeners) cb({ component: 'target', pid: child.pid, code, signal });
    });
    const ipcReady: WaitStrategy = {
      description: 'the target cluster (target.ready)',
      check: async () => ready !== undefined,
    };
    const abortIf = () => {
      if (fatal?.type === 'target.fatal') return this.#fatalError(fatal.message, fatal.code, child);
      if (child.hasExited()) return this.#fatalError('exited before it was ready', 'RAMPART_SERVER_EXITED', child);
      return undefined;
    };
    try {
      await waitFor(ipcReady, { timeoutMs: opts.readyTimeoutMs ?? 60_000, intervalMs: 50, abortIf });
      this.url = (ready as { url: string }).url;
      await waitFor(forTargetReady(`${this.url}/readyz`, opts.ca), { timeoutMs: 15_000, intervalMs: 100, abortIf });
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  #fatalError(message: string, code: RampartErrorCode, child: ManagedChild): Error {
    const hint = this.tail ? `its last output:\n${this.tail}` : undefined;
    if (code === 'RAMPART_PORT_IN_USE')
      return new PortInUseError(this.opts.host, this.opts.port, { cause: new Error(message) });
    const exitCode = child.process.exitCode;
    if (exitCode === 2 || errorCodes[code] === 'input')
      return errorForCode(code, `the target refused its configuration: ${message}`, { hint });
    return errorForCode(code, `the target failed to start: ${message}`, { hint });
  }

  /** Resolves when `n` workers are alive and the target answers /readyz with 200. */
  async waitWorkers(n: number, timeoutMs: number): Promise<void> {
    const child = this.#child;
    await waitFor(
      { description: `${n} target workers`, check: async () => this.workerPids.filter(isAlive).length >= n },
      {
        timeoutMs,
        intervalMs: 50,
        abortIf: () =>
          child?.hasExited() ? new EnvironmentError('RAMPART_SERVER_EXITED', 'the target cluster exited') : undefined,
      },
    );
    await waitFor(forTargetReady(`${this.url}/readyz`, this.opts.ca), { timeoutMs, intervalMs: 100 });
  }

  /** SIGTERM: the primary drains its workers and exits; SIGKILL after the grace period. */
  async stop(graceMs = 20_000): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#expectExit = true;
    await stopChild(child, 'SIGTERM', graceMs);
  }

  signalPrimary(sig: NodeJS.Signals): void {
    this.#child?.signalTree(sig);
  }
}
