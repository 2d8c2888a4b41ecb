import { z } from 'zod';
import { parseDuration } from '../../../common/index.ts';
import { durationSchema, posInt } from '../../schema/duration.ts';
import { dur } from '../../k6/units.ts';
import { defineExecutor } from '../definition.ts';
import { startClosed } from './closed-model.ts';

/** Closed model: a fixed number of virtual users loop over the flows with think time. */
export const constantVus = defineExecutor({
  name: 'constant-vus',
  schema: z
    .object({
      executor: z.literal('constant-vus'),
      vus: posInt,
      duration: durationSchema,
      /** Share this many connections between all VUs instead of one keep-alive connection per VU (max-throughput runs). */
      connections: posInt.optional(),
    })
    .strict(),
  model: 'closed',
  description: '`vus` VUs loop over the flows for `duration`, each waiting for its last iteration',
  lasts: 'duration',
  loadMs: (c) => parseDuration(c.duration),
  peakRatePerSecond: () => 0,
  peakVus: (c) => c.vus,
  start: (c, h) => startClosed({ vusAt: () => c.vus, durationMs: parseDuration(c.duration) }, h),
  k6: (c, ctx) => ({
    notes: [],
    options: { executor: c.executor, ...ctx.common, vus: c.vus, duration: dur(c.duration) },
  }),
});
