import { z } from 'zod';
import { parseDuration } from '../../../common/index.ts';
import { faultSchemas } from '../faults/registry.ts';

/**
 * A drill file (YAML or JSON): the experiment an SRE writes for their own
 * system. The load is an ordinary suite file; windows carry objectives per
 * request tag; the method is a list of timed faults of any kind in the fault
 * registry (faults/registry.ts); reconciliation reads every acknowledged write
 * back. `profiles` holds per-profile changes, merged into the file (objects
 * merge key by key, lists and values replace).
 */

/** A value that parses as `parse` does, with the message naming the form expected. */
const parsing = (parse: (v: string | number) => unknown, message: string) =>
  z.union([z.string(), z.number().nonnegative()]).refine(
    (v) => {
      try {
        parse(v);
        return true;
      } catch {
        return false;
      }
    },
    { message },
  );

/** A duration written as 500ms, 15s, 1m30s (a bare number is seconds, as in suite files). */
export const drillDurationSchema = parsing(parseDuration, 'must be a duration like 500ms, 15s or 1m30s');

/** A share written as 99%, 99.9 % or a fraction 0.99. */
export const shareSchema = z.union([
  z.string().regex(/^\s*\d+(\.\d+)?\s*%\s*$/, { message: 'must be a percentage like 99% or 99.9 %' }),
  z.number().min(0).max(1),
]);

/** A latency bound written as 200ms or 2s (a bare number is milliseconds). */
export const latencySchema = parsing(
  (v) => (typeof v === 'number' ? v : parseDuration(v)),
  'must be a latency like 200ms or 2s',
);

/** The metrics an objective entry can hold, each one objective. */
export const metricKeys = [
  'availability',
  'errorRate',
  'success',
  'fastFail',
  'p50',
  'p95',
  'p99',
  'max',
  'timeouts',
] as const;

const objectiveFields = {
  tag: z.string().min(1),
  /** Names the objective in reports (default: tag and metric). Only with a single metric. */
  name: z.string().min(1).optional(),
  /** At least this share answered without a 5xx or a network error (a 4xx is an answer). */
  availability: shareSchema.optional(),
  /** At most this share failed with a 5xx or no answer (the same count as availability). */
  errorRate: shareSchema.optional(),
  /** At least this share answered 2xx. */
  success: shareSchema.optional(),
  /** At least this share of the failures answered 503 with Retry-After (failing fast, telling the client when). */
  fastFail: shareSchema.optional(),
  p50: latencySchema.optional(),
  p95: latencySchema.optional(),
  p99: latencySchema.optional(),
  max: latencySchema.optional(),
  /** At most this many requests without an answer within the request timeout. */
  timeouts: z.number().int().nonnegative().optional(),
};
type ObjectiveFields = { [K in (typeof metricKeys)[number]]?: unknown } & { name?: string | undefined };
const oneMetricAtLeast = (o: ObjectiveFields) => metricKeys.some((k) => o[k] !== undefined);
const nameNeedsOneMetric = (o: ObjectiveFields) =>
  o.name === undefined || metricKeys.filter((k) => o[k] !== undefined).length === 1;
const atLeastOne = {
  message: `give at least one of availability, errorRate, success, fastFail, p50, p95, p99, max, timeouts`,
};
const oneWithName = { message: 'name is for an entry with one metric: split the entry to name each objective' };

/**
 * Expectations over the requests of one tag in a window; every metric given is one objective.
 * `tag` is a request tag of the load (a step's name), a group of `groups`, or `all`.
 */
export const objectiveEntrySchema = z
  .object(objectiveFields)
  .strict()
  .refine(oneMetricAtLeast, atLeastOne)
  .refine(nameNeedsOneMetric, oneWithName);
/** An objective checked every second over its last `window` while faults are active: a breach stops the fault early. */
export const stopConditionSchema = z
  .object({ ...objectiveFields, window: drillDurationSchema.default('3s') })
  .strict()
  .refine(oneMetricAtLeast, atLeastOne)
  .refine(nameNeedsOneMetric, oneWithName);
export type ObjectiveEntry = z.infer<typeof objectiveEntrySchema>;
export type StopConditionEntry = z.infer<typeof stopConditionSchema>;

const objectives = z.array(objectiveEntrySchema);

export const timedFaultSchema = z
  .object({
    name: z.string().min(1),
    /** When the fault starts, after the fault phase begins (default 0s). */
    at: drillDurationSchema.default(0),
    /** How long the fault stays before its rollback. */
    duration: drillDurationSchema,
    ...faultSchemas,
  })
  .strict()
  .superRefine((f, ctx) => {
    const kinds = Object.keys(faultSchemas).filter((k) => (f as Record<string, unknown>)[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `give exactly one fault kind (${Object.keys(faultSchemas).join(', ')}), got ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`,
      });
    }
  });
export type TimedFaultEntry = z.infer<typeof timedFaultSchema>;

/** Where an acknowledged write's identity comes from: its response (json, header) or its request (requestJson, requestHeader). */
export const writeIdSchema = z.union([
  z.object({ json: z.string().min(1) }).strict(),
  z.object({ header: z.string().min(1) }).strict(),
  z.object({ requestJson: z.string().min(1) }).strict(),
  z.object({ requestHeader: z.string().min(1) }).strict(),
]);
export type WriteId = z.infer<typeof writeIdSchema>;

export const reconcileSchema = z
  .object({
    /** The request tag of the writes: each one answered 2xx is acknowledged and must be found afterwards. */
    writes: z.string().min(1),
    id: writeIdSchema,
    /** Read each one back through the API: {{id}} in path and headers; found when the status is one of expectStatus. */
    read: z
      .object({
        method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
        path: z.string().startsWith('/', { message: 'must start with /' }),
        headers: z.record(z.string(), z.string()).default({}),
        expectStatus: z.array(z.number().int().min(100).max(599)).min(1).default([200]),
      })
      .strict()
      .optional(),
    /**
     * Or count it in the database (--database-url, or the managed stack's): a query with $1 = the id that returns
     * one row with a column `n`; 0 is lost, more than 1 is duplicated.
     */
    sql: z
      .object({ query: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict()
  .refine((r) => (r.read === undefined) !== (r.sql === undefined), {
    message: 'give one of read (through the API) or sql (in the database)',
  });
export type ReconcileEntry = z.infer<typeof reconcileSchema>;

/** A step of a probe: one request; its captures ({ name: { json: path } }) fill {{name}} in later steps. */
const probeStepSchema = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    path: z.string().startsWith('/', { message: 'must start with /' }),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.unknown().optional(),
    expectStatus: z.array(z.number().int()).min(1).optional(),
    captures: z.record(z.string(), z.object({ json: z.string().min(1) }).strict()).default({}),
  })
  .strict();

export const probeSchema = z
  .object({
    name: z.string().min(1),
    /** When it runs, after the fault phase begins. */
    at: drillDurationSchema.default(0),
    /**
     * Burst: `setup` steps once ({{runId}} is unique per probe), then `request` sent by `concurrency` workers until
     * one answers `until` (pass) or `max` were sent (fail).
     */
    burst: z
      .object({
        setup: z.array(probeStepSchema).default([]),
        request: probeStepSchema,
        until: z.number().int().min(100).max(599),
        max: z.number().int().positive().max(10_000),
        concurrency: z.number().int().positive().max(64).default(8),
      })
      .strict(),
  })
  .strict();
export type ProbeEntry = z.infer<typeof probeSchema>;

const windowWithDuration = z.object({ duration: drillDurationSchema, objectives }).strict();

export const drillFileSchema = z
  .object({
    $schema: z.string().optional(),
    name: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9_.-]+$/, { message: 'use letters, digits, ., - and _ only' }),
    title: z.string().optional(),
    description: z.string().default(''),
    /** The load that runs for the whole drill: a suite file (relative to this file) and which of its scenarios. */
    load: z
      .object({
        suite: z.string().min(1),
        scenario: z.string().optional(),
        /** Arrivals per second, replacing the scenario's (open model). */
        rate: z.number().positive().optional(),
        /** Load before the steady-state window starts, not judged (default 5s). */
        warmUp: drillDurationSchema.default('5s'),
      })
      .strict(),
    /** Names for sets of request tags, usable as an objective's tag (e.g. read: [GET /v1/feed, GET /v1/trending]). */
    groups: z.record(z.string(), z.array(z.string().min(1)).min(1)).default({}),
    /** Verified before any fault: a breach stops the drill without injecting. */
    steadyState: windowWithDuration,
    method: z.array(timedFaultSchema).min(1),
    /** Held over the fault window (from 1 s after the fault phase starts to the last rollback). */
    during: z.object({ objectives }).strict().default({ objectives: [] }),
    /** Held over a window of `duration` once the steady state is back. */
    after: windowWithDuration,
    /** The steady state must hold again within this long of the last rollback. */
    recovery: z.object({ within: drillDurationSchema }).strict(),
    /** Stop the fault early when one of these breaches over its last `window` (checked every second). */
    stopWhen: z.array(stopConditionSchema).default([]),
    probes: z.array(probeSchema).default([]),
    reconcile: z.array(reconcileSchema).default([]),
    /** Per profile (quick, full): changes merged into this file (objects key by key; lists and values replace). */
    profiles: z
      .object({
        quick: z.record(z.string(), z.unknown()).default({}),
        full: z.record(z.string(), z.unknown()).default({}),
      })
      .strict()
      .default({ quick: {}, full: {} }),
  })
  .strict();
export type DrillFile = z.infer<typeof drillFileSchema>;
