import type { ExitInfo } from './types.ts';

/**
 * Keeps the target instances behind a load balancer running: an instance whose cluster primary exits
 * without being asked to is started again on its port after a backoff (1 s, doubling, at most 15 s), and
 * left down when it crashes again after `maxRestarts` restarts within `windowMs` (a crash loop: restarting it again only hides the
 * defect). The balancer routes around an instance while it is down (stack/load-balancer.ts), so one crash
 * costs capacity, not availability — until the next one; supervision gives the capacity back.
 * Hand-written: the instances are children of this process with their own start protocol (TargetProcess),
 * which a process manager such as PM2 would replace rather than supervise.
 */
export interface SupervisionPolicy {
  /** Restarts allowed within windowMs: the crash after them leaves the instance down. */
  maxRestarts: number;
  windowMs: number;
  /** First backoff; doubles with every crash in the window. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const defaultSupervision: SupervisionPolicy = {
  maxRestarts: 5,
  windowMs: 60_000,
  backoffMs: 1000,
  maxBackoffMs: 15_000,
};

export type SupervisionEvent =
  | { type: 'instance.restarted'; instance: number; pid: number; previousPid: number; restarts: number; ts: number }
  | { type: 'instance.restart-failed'; instance: number; error: string; ts: number }
  | { type: 'instance.given-up'; instance: number; crashes: number; ts: number };

/** What the supervisor needs of an instance (TargetProcess has it). */
export interface Supervisable {
  readonly pid: number;
  start(): Promise<void>;
  onExit(cb: (info: ExitInfo) => void): void;
}

export interface Supervisor {
  /** Restarts per instance (1-based instance number → count). */
  readonly restarts: Record<number, number>;
  /** Instances left down after a crash loop. */
  readonly givenUp: number[];
  /** No restart after this (the stack is stopping); a pending one is cancelled. */
  stop(): void;
}

export function superviseInstances(
  instances: readonly Supervisable[],
  onEvent: (e: SupervisionEvent) => void,
  policy: SupervisionPolicy = defaultSupervision,
): Supervisor {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const restarts: Record<number, number> = {};
  const givenUp: number[] = [];
  const crashes = instances.map(() => [] as number[]);
  // One restart at a time per instance: a restarted process that dies while booting is reported both by its
  // exit and by start()'s rejection; only the rejection reschedules.
  const restarting = instances.map(() => false);

  const scheduleRestart = (index: number, previousPid: number) => {
    const now = Date.now();
    const recent = (crashes[index] as number[]).filter((t) => now - t < policy.windowMs);
    recent.push(now);
    crashes[index] = recent;
    const instance = index + 1;
    if (recent.length > policy.maxRestarts) {
      restarting[index] = false;
      if (!givenUp.includes(instance)) givenUp.push(instance);
      onEvent({ type: 'instance.given-up', instance, crashes: recent.length, ts: now });
      return;
    }
    restarting[index] = true;
    const delay = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (recent.length - 1));
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopped) return;
      const t = instances[index] as Supervisable;
      t.start().then(
        () => {
          restarting[index] = false;
          if (stopped) return;
          restarts[instance] = (restarts[instance] ?? 0) + 1;
          onEvent({
            type: 'instance.restarted',
            instance,
            pid: t.pid,
            previousPid,
            restarts: restarts[instance],
            ts: Date.now(),
          });
        },
        (err: unknown) => {
          if (stopped) return;
          onEvent({ type: 'instance.restart-failed', instance, error: (err as Error).message, ts: Date.now() });
          scheduleRestart(index, previousPid);
        },
      );
    }, delay);
    timer.unref();
    timers.add(timer);
  };

  for (const [index, t] of instances.entries()) {
    t.onExit((info) => {
      if (stopped || info.component !== 'target' || restarting[index] || givenUp.includes(index + 1)) return;
      scheduleRestart(index, info.pid);
    });
  }
  return {
    restarts,
    givenUp,
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
