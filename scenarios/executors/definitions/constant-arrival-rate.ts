import { z } from 'zod';
import { parseDuration } from '../../../common/index.ts';
import { durationSchema, posInt } from '../../schema/duration.ts';
import { dur } from '../../k6/units.ts';
import { defineExecutor } from '../definition.ts';
import { RateSchedule } from '../rate-schedule.ts';
import { openK6, openPeakVus, perSecond, startOpen } from './open-model.ts';

/** Open model: iterations start on schedule whether or not earlier ones finished (k6's constant-arrival-rate). */
export const constantArrivalRate = defineExecutor({
  name: 'constant-arrival-rate',
  schema: z
    .object({
      executor: z.literal('constant-arrival-rate'),
      rate: z.number().positive(),
      timeUnit: durationSchema.default('1s'),
      duration: durationSchema,
      preAllocatedVUs: posInt.optional(),
      /** Most iterations in flight at once; an arrival finding none free waits (late) or is dropped. */
      maxVUs: posInt.optional(),
      /** Keep-alive connections shared by the scenario (default: maxVUs, at most 1024). */
      connections: posInt.optional(),
    })
    .strict(),
  model: 'open',
  description: '`rate` arrivals per `timeUnit` for `duration`, whether or not earlier ones finished',
  lasts: 'duration',
  loadMs: (c) => parseDuration(c.duration),
  peakRatePerSecond: (c) => perSecond(c.rate, c),
  peakVus: (c) => openPeakVus(c, perSecond(c.rate, c)),
  start: (c, h) => startOpen(RateSchedule.constant(c.rate, c.timeUnit, c.duration), h),
  k6: (c, ctx) => {
    const { notes, vus, timeUnit, whole } = openK6(c, ctx, [c.rate]);
    return {
      notes,
      options: {
        executor: c.executor,
        ...ctx.common,
        rate: whole(c.rate),
        timeUnit,
        duration: dur(c.duration),
        ...vus,
      },
    };
  },
});
