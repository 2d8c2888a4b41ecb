import { z } from 'zod';
import { parseDuration } from '../../../common/index.ts';
import { posInt, stageSchema } from '../../schema/duration.ts';
import { dur } from '../../k6/units.ts';
import { defineExecutor } from '../definition.ts';
import { stagesFunction } from '../vu-executor.ts';
import { startClosed } from './closed-model.ts';

/** Closed model with a ramp: the VU count moves linearly from stage to stage (k6's ramping-vus). */
export const rampingVus = defineExecutor({
  name: 'ramping-vus',
  schema: z
    .object({
      executor: z.literal('ramping-vus'),
      startVUs: z.number().int().nonnegative().default(0),
      stages: z.array(stageSchema).min(1),
      connections: posInt.optional(),
    })
    .strict(),
  model: 'closed',
  description: 'VUs ramped from `startVUs` through `stages` (each `{ target, duration }`)',
  lasts: 'stages',
  loadMs: (c) => c.stages.reduce((a, st) => a + parseDuration(st.duration), 0),
  peakRatePerSecond: () => 0,
  peakVus: (c) => Math.max(c.startVUs, ...c.stages.map((st) => st.target)),
  start: (c, h) => {
    const f = stagesFunction(c.startVUs, c.stages);
    return startClosed({ vusAt: f.at, durationMs: f.durationMs }, h);
  },
  k6: (c, ctx) => ({
    notes: [],
    options: {
      executor: c.executor,
      ...ctx.common,
      gracefulRampDown: ctx.grace,
      startVUs: c.startVUs,
      stages: c.stages.map((st) => ({ target: st.target, duration: dur(st.duration) })),
    },
  }),
});
