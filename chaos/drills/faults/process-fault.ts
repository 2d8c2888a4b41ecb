import { z } from 'zod';
import { once, type FaultKind } from './fault-kind.ts';

/**
 * `process: { component, op }`: a fault on a process of the managed stack (`postgres`, `redis`, a target
 * `worker`): kill (-9) and stop are undone by a restart (a worker: by the cluster replacing it, waited
 * for), pause (SIGSTOP) by resume. On another system, use a `command` fault (kill -STOP {{env.PID}}).
 */
export const processSpecSchema = z
  .object({
    component: z.enum(['postgres', 'redis', 'worker']),
    op: z.enum(['kill', 'stop', 'pause']),
  })
  .strict();
export type ProcessSpec = z.infer<typeof processSpecSchema>;

export const processFault: FaultKind<ProcessSpec> = {
  key: 'process',
  schema: processSpecSchema,
  unavailable: (spec, env) =>
    env.stack
      ? null
      : `process fault on ${spec.component} needs the managed stack (run without --target; on another system use a command fault such as kill -STOP)`,
  async inject(spec, env) {
    if (!env.stack) throw new Error(`process faults need the managed stack`);
    const control = env.stack.control(spec.component);
    await control[spec.op]();
    return once(async () => {
      if (spec.op === 'pause') await control.resume();
      else if (spec.component === 'worker') await control.waitReady(30_000);
      else await control.restart();
    });
  },
  events: (spec) => ({
    injected: spec.op === 'kill' ? 'process.killed' : spec.op === 'stop' ? 'process.stopped' : 'process.paused',
    restored: 'process.ready',
  }),
};
