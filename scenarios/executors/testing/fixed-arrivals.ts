import { z } from 'zod';
import { parseDuration } from '../../../common/index.ts';
import { durationSchema, posInt } from '../../schema/duration.ts';
import { dur } from '../../k6/units.ts';
import { defineExecutor } from '../definition.ts';
import { RateSchedule } from '../rate-schedule.ts';
import { openPeakVus, startOpen } from '../definitions/open-model.ts';

const perSecond = (c: { iterations: number; duration: string | number }) =>
  (c.iterations * 1000) / Math.max(1, parseDuration(c.duration));

/**
 * The example executor of docs/extending.md, "Adding an executor" (not registered: scenarios/executors/extending.test.ts
 * adds it to the registry the way the guide says). Open model, fixed work: `iterations` arrivals evenly over `duration`.
 */
export const fixedArrivals = defineExecutor({
  name: 'fixed-arrivals',
  schema: z
    .object({
      executor: z.literal('fixed-arrivals'),
      iterations: posInt,
      duration: durationSchema,
      preAllocatedVUs: posInt.optional(),
      maxVUs: posInt.optional(),
      connections: posInt.optional(),
    })
    .strict(),
  model: 'open',
  description: '`iterations` arrivals spread evenly over `duration`, whether or not earlier ones finished',
  lasts: 'duration',
  loadMs: (c) => parseDuration(c.duration),
  peakRatePerSecond: perSecond,
  peakVus: (c) => openPeakVus({ ...c, timeUnit: c.duration }, perSecond(c)),
  start: (c, h) => startOpen(RateSchedule.constant(c.iterations, c.duration, c.duration), h),
  k6: (c, ctx) => {
    const maxVUs = c.maxVUs ?? Math.max(c.preAllocatedVUs ?? 0, c.connections ?? 0, 100);
    return {
      notes: [],
      options: {
        executor: 'constant-arrival-rate',
        ...ctx.common,
        rate: c.iterations,
        timeUnit: dur(c.duration),
        duration: dur(c.duration),
        preAllocatedVUs: c.preAllocatedVUs ?? Math.min(maxVUs, 50),
        maxVUs,
      },
    };
  },
});
