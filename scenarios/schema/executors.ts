import { z } from 'zod';
import { parseDuration } from '../../common/index.ts';

/** A k6-style duration ("30s", "1m30s", "500ms"); a bare number means seconds. Kept as written (the k6 export needs it). */
export const durationSchema = z.union([z.string(), z.number().nonnegative()]).refine(
  (v) => {
    try {
      parseDuration(v);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a duration like 500ms, 30s, 1m30s or 2h' },
);
export type DurationInput = z.infer<typeof durationSchema>;

export const stageSchema = z
  .object({
    target: z.number().nonnegative(),
    duration: durationSchema,
  })
  .strict();
export type Stage = z.infer<typeof stageSchema>;

const posInt = z.number().int().positive();

/** Open model: iterations start on schedule whether or not earlier ones finished (k6's constant-arrival-rate). */
export const constantArrivalRateSchema = z
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
  .strict();

export const rampingArrivalRateSchema = z
  .object({
    executor: z.literal('ramping-arrival-rate'),
    startRate: z.number().nonnegative().default(0),
    timeUnit: durationSchema.default('1s'),
    stages: z.array(stageSchema).min(1),
    preAllocatedVUs: posInt.optional(),
    maxVUs: posInt.optional(),
    connections: posInt.optional(),
  })
  .strict();

/** Closed model: a fixed number of virtual users loop over the flows with think time. */
export const constantVusSchema = z
  .object({
    executor: z.literal('constant-vus'),
    vus: posInt,
    duration: durationSchema,
    /** Share this many connections between all VUs instead of one keep-alive connection per VU (max-throughput runs). */
    connections: posInt.optional(),
  })
  .strict();

export const rampingVusSchema = z
  .object({
    executor: z.literal('ramping-vus'),
    startVUs: z.number().int().nonnegative().default(0),
    stages: z.array(stageSchema).min(1),
    connections: posInt.optional(),
  })
  .strict();

/** Closed model, fixed work: each VU runs its flows `iterations` times (k6's per-vu-iterations). */
export const perVuIterationsSchema = z
  .object({
    executor: z.literal('per-vu-iterations'),
    vus: posInt.default(1),
    iterations: posInt.default(1),
    maxDuration: durationSchema.default('10m'),
  })
  .strict();

/** Closed model, fixed work shared: `vus` VUs take `iterations` in all from one pool (k6's shared-iterations). */
export const sharedIterationsSchema = z
  .object({
    executor: z.literal('shared-iterations'),
    vus: posInt.default(1),
    iterations: posInt.default(1),
    maxDuration: durationSchema.default('10m'),
  })
  .strict();

export const executorSchema = z.discriminatedUnion('executor', [
  constantArrivalRateSchema,
  rampingArrivalRateSchema,
  constantVusSchema,
  rampingVusSchema,
  perVuIterationsSchema,
  sharedIterationsSchema,
]);
export type ExecutorConfig = z.infer<typeof executorSchema>;
export type ExecutorName = ExecutorConfig['executor'];

export const executorNames = [
  'constant-arrival-rate',
  'ramping-arrival-rate',
  'constant-vus',
  'ramping-vus',
  'per-vu-iterations',
  'shared-iterations',
] as const;

export function isOpenModel(
  e: ExecutorConfig,
): e is Extract<ExecutorConfig, { executor: 'constant-arrival-rate' | 'ramping-arrival-rate' }> {
  return e.executor === 'constant-arrival-rate' || e.executor === 'ramping-arrival-rate';
}
