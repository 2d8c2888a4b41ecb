import { z } from 'zod';
import { parseDuration } from '../../../common/index.ts';
import { durationSchema, posInt } from '../../schema/duration.ts';
import { dur } from '../../k6/units.ts';
import { defineExecutor, type K6Context } from '../definition.ts';
import { startClosed } from './closed-model.ts';

/** The fields of the fixed-work executors (per-vu-iterations, shared-iterations), in their schema's order. */
const fixedWork = () => ({
  vus: posInt.default(1),
  iterations: posInt.default(1),
  maxDuration: durationSchema.default('10m'),
});

interface FixedWork {
  executor: string;
  vus: number;
  iterations: number;
  maxDuration: string | number;
}

const k6 = (c: FixedWork, ctx: K6Context) => ({
  notes: [],
  options: {
    executor: c.executor,
    ...ctx.common,
    vus: c.vus,
    iterations: c.iterations,
    maxDuration: dur(c.maxDuration),
  },
});

/** Closed model, fixed work: each VU runs its flows `iterations` times (k6's per-vu-iterations). */
export const perVuIterations = defineExecutor({
  name: 'per-vu-iterations',
  schema: z.object({ executor: z.literal('per-vu-iterations'), ...fixedWork() }).strict(),
  model: 'closed',
  description: 'each of `vus` VUs runs `iterations` iterations, within `maxDuration`',
  lasts: null,
  loadMs: (c) => parseDuration(c.maxDuration),
  peakRatePerSecond: () => 0,
  peakVus: (c) => c.vus,
  start: (c, h) =>
    startClosed({ vusAt: () => c.vus, durationMs: parseDuration(c.maxDuration), iterationsPerVu: c.iterations }, h),
  k6,
});

/** Closed model, fixed work shared: `vus` VUs take `iterations` in all from one pool (k6's shared-iterations). */
export const sharedIterations = defineExecutor({
  name: 'shared-iterations',
  schema: z.object({ executor: z.literal('shared-iterations'), ...fixedWork() }).strict(),
  model: 'closed',
  description: '`vus` VUs share `iterations` iterations in all, within `maxDuration`',
  lasts: null,
  loadMs: (c) => parseDuration(c.maxDuration),
  peakRatePerSecond: () => 0,
  peakVus: (c) => c.vus,
  start: (c, h) =>
    startClosed({ vusAt: () => c.vus, durationMs: parseDuration(c.maxDuration), sharedIterations: c.iterations }, h),
  k6,
});
