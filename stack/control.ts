import { EnvironmentError, InputError, waitFor } from '../common/index.ts';
import { isAlive } from './child.ts';
import type { FaultProxy } from './fault-proxy.ts';
import type { TargetProcess } from './target-process.ts';
import type { ProcessControl, StartedServer } from './types.ts';

export type StackComponent = 'postgres' | 'redis' | 'worker' | 'proxy';

export class NotControllableError extends InputError<'RAMPART_NOT_CONTROLLABLE'> {
  constructor(component: string, why: string) {
    super('RAMPART_NOT_CONTROLLABLE', `cannot apply a process fault to ${component}: ${why}`, {
      hint: 'process faults need the managed provider with rampart-started PostgreSQL/Redis (unset DATABASE_URL/REDIS_URL); use network faults through the proxy instead',
    });
  }
}

export function serverControl(server: StartedServer): ProcessControl {
  return {
    stop: () => server.stopProcess(),
    kill: () => server.kill(),
    pause: () => server.pause(),
    resume: () => server.resume(),
    restart: () => server.restart(),
    waitReady: (timeoutMs = 30_000) => server.waitReady(timeoutMs),
  };
}

export function proxyControl(proxy: FaultProxy): ProcessControl {
  return {
    stop: () => proxy.stop(),
    kill: () => proxy.kill(),
    pause: async () => proxy.signal('SIGSTOP'),
    resume: async () => proxy.signal('SIGCONT'),
    restart: () => proxy.restart(),
    waitReady: (timeoutMs = 20_000) => proxy.waitReady(timeoutMs),
  };
}

/**
 * Process faults on one target worker. The cluster primary replaces a worker
 * that exits; waitReady() waits until the worker count is back and the target is ready.
 */
export function workerControl(target: TargetProcess, workers: number): ProcessControl {
  let paused: number | undefined;
  const pick = (): number => {
    const pid = target.workerPids.find(isAlive);
    if (pid === undefined) throw new EnvironmentError('RAMPART_NO_WORKER', 'the target has no live worker to act on');
    return pid;
  };
  const exitOf = async (pid: number, sig: NodeJS.Signals) => {
    target.expectWorkerExit(pid);
    process.kill(pid, sig);
    // The worker is the primary's child, so it is reaped promptly; wait until it is gone.
    await waitFor(
      { description: `target worker ${pid} to exit`, check: async () => !isAlive(pid) },
      { timeoutMs: 20_000, intervalMs: 20 },
    );
  };
  const waitReady = (timeoutMs = 30_000) => target.waitWorkers(workers, timeoutMs);
  return {
    stop: () => exitOf(pick(), 'SIGTERM'),
    kill: () => exitOf(pick(), 'SIGKILL'),
    pause: async () => {
      paused = pick();
      process.kill(paused, 'SIGSTOP');
    },
    resume: async () => {
      if (paused !== undefined && isAlive(paused)) process.kill(paused, 'SIGCONT');
      paused = undefined;
    },
    restart: async () => {
      await exitOf(pick(), 'SIGTERM');
      await waitReady();
    },
    waitReady,
  };
}
