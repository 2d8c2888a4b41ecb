import { describe, expect, it } from 'vitest';
import { superviseInstances, type Supervisable, type SupervisionEvent } from './supervisor.ts';
import type { ExitInfo } from './types.ts';

/**
 * An instance that dies while booting, as TargetProcess reports it: its exit listeners fire (the child exited
 * unasked), then start() rejects. The real instances are supervised in load-balancer.test.ts; this one makes the
 * double report happen every time.
 */
class BootCrasher implements Supervisable {
  pid = 100;
  starts = 0;
  readonly listeners: Array<(info: ExitInfo) => void> = [];
  constructor(private readonly bootsOk: number) {}
  onExit(cb: (info: ExitInfo) => void): void {
    this.listeners.push(cb);
  }
  crash(): void {
    for (const cb of this.listeners) cb({ component: 'target', pid: this.pid, code: null, signal: 'SIGKILL' });
  }
  async start(): Promise<void> {
    this.starts += 1;
    this.pid += 1;
    if (this.starts <= this.bootsOk) return;
    this.crash();
    throw new Error('the target failed to start: exited before it was ready');
  }
}

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('the instance supervisor', () => {
  it('restarts one crash once, then, when every restart dies booting, gives up once and never starts it again', async () => {
    const instance = new BootCrasher(0);
    const events: SupervisionEvent[] = [];
    const sup = superviseInstances([instance], (e) => events.push(e), {
      maxRestarts: 3,
      windowMs: 60_000,
      backoffMs: 5,
      maxBackoffMs: 20,
    });
    instance.crash();
    await until(() => events.some((e) => e.type === 'instance.given-up'));
    await new Promise((r) => setTimeout(r, 150));
    sup.stop();
    // The crash, then three restarts that each die booting: the fourth crash in the window leaves it down.
    expect(instance.starts).toBe(3);
    expect(events.map((e) => e.type)).toEqual([
      'instance.restart-failed',
      'instance.restart-failed',
      'instance.restart-failed',
      'instance.given-up',
    ]);
    expect(sup.givenUp).toEqual([1]);
    expect(sup.restarts).toEqual({});
  });

  it('counts a restart that boots, and stops restarting once the stack stops', async () => {
    const instance = new BootCrasher(10);
    const events: SupervisionEvent[] = [];
    const sup = superviseInstances([instance], (e) => events.push(e), {
      maxRestarts: 3,
      windowMs: 60_000,
      backoffMs: 5,
      maxBackoffMs: 20,
    });
    instance.crash();
    await until(() => events.length === 1);
    expect(events[0]).toMatchObject({
      type: 'instance.restarted',
      instance: 1,
      previousPid: 100,
      pid: 101,
      restarts: 1,
    });
    sup.stop();
    instance.crash();
    await new Promise((r) => setTimeout(r, 100));
    expect(instance.starts).toBe(1);
    expect(events).toHaveLength(1);
  });
});
