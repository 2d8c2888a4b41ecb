import { z } from 'zod';
import { parseDuration } from '../../../common/index.ts';
import { durationSchema, posInt, stageSchema } from '../../schema/duration.ts';
import { dur } from '../../k6/units.ts';
import { defineExecutor } from '../definition.ts';
import { RateSchedule } from '../rate-schedule.ts';
import { openK6, openPeakVus, perSecond, startOpen } from './open-model.ts';

/** Open model with a ramp: the arrival rate moves linearly from stage to stage (k6's ramping-arrival-rate). */
export const rampingArrivalRate = defineExecutor({
  name: 'ramping-arrival-rate',
  schema: z
    .object({
      executor: z.literal('ramping-arrival-rate'),
      startRate: z.number().nonnegative().default(0),
      timeUnit: durationSchema.default('1s'),
      stages: z.array(stageSchema).min(1),
      preAllocatedVUs: posInt.optional(),
      maxVUs: posInt.optional(),
      connections: posInt.optional(),
    })
    .strict(),
  model: 'open',
  description: 'arrivals per `timeUnit` ramped from `startRate` through `stages` (each `{ target, duration }`)',
  lasts: 'stages',
  loadMs: (c) => c.stages.reduce((a, st) => a + parseDuration(st.duration), 0),
  peakRatePerSecond: (c) => perSecond(Math.max(c.startRate, ...c.stages.map((st) => st.target)), c),
  peakVus: (c) => openPeakVus(c, perSecond(Math.max(c.startRate, ...c.stages.map((st) => st.target)), c)),
  start: (c, h) => startOpen(RateSchedule.ramping(c.startRate, c.timeUnit, c.stages), h),
  k6: (c, ctx) => {
    const { notes, vus, timeUnit, whole } = openK6(c, ctx, [c.startRate, ...c.stages.map((st) => st.target)]);
    return {
      notes,
      options: {
        executor: c.executor,
        ...ctx.common,
        startRate: whole(c.startRate),
        timeUnit,
        ...vus,
        stages: c.stages.map((st) => ({ target: whole(st.target), duration: dur(st.duration) })),
      },
    };
  },
});
