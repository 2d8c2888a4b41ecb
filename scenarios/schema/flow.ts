import { z } from 'zod';
import { durationSchema } from './executors.ts';

export const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

const matcher = {
  exists: z.boolean().optional(),
  equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  /** A regular expression (JavaScript syntax) the value must match. */
  matches: z.string().optional(),
};

/** A check: its outcome feeds k6's `checks` metric; it never stops the flow. */
export const checkSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('status'),
      name: z.string().optional(),
      equals: z.union([z.number().int(), z.array(z.number().int()).min(1)]),
    })
    .strict(),
  z.object({ type: z.literal('json'), name: z.string().optional(), path: z.string().min(1), ...matcher }).strict(),
  z.object({ type: z.literal('header'), name: z.string().optional(), header: z.string().min(1), ...matcher }).strict(),
]);
export type Check = z.infer<typeof checkSchema>;

/** Where a captured value comes from: a JSON field of the response ("user.id", "items[0].id") or a header. */
export const captureSchema = z.union([
  z.object({ json: z.string().min(1) }).strict(),
  z.object({ header: z.string().min(1) }).strict(),
]);
export type Capture = z.infer<typeof captureSchema>;

export const retrySchema = z
  .object({
    /** Attempts in all, the first included (2 = one retry). */
    attempts: z.number().int().min(2).max(10),
    on: z.array(z.union([z.number().int().min(100).max(599), z.enum(['network', 'timeout'])])).min(1),
    backoffMs: z.number().int().min(0).max(60_000).default(0),
  })
  .strict();
export type Retry = z.infer<typeof retrySchema>;

/** What a step adds to one of the scenario's own metrics. */
export const metricValueSchema = z.union([
  z.enum(['duration', 'status']),
  z.number(),
  z.object({ statusIn: z.array(z.number().int()).min(1) }).strict(),
  z.object({ capture: z.string().min(1) }).strict(),
]);
export type MetricValue = z.infer<typeof metricValueSchema>;

export const stepSchema = z
  .object({
    /** The request's tag (k6's `name` tag); default "<METHOD> <path>". Thresholds filter on it: http_req_duration{name:GET /v1/feed}. */
    name: z.string().min(1).optional(),
    method: z.enum(httpMethods).default('GET'),
    /** Path template, e.g. "/v1/posts/{{postId}}/like". */
    path: z.string().startsWith('/', { message: 'must start with /' }),
    headers: z.record(z.string(), z.string()).default({}),
    /** JSON body template; strings inside are templates ("{{user.email}}"). */
    body: z.unknown().optional(),
    /** A raw (non-JSON) body template, sent as is; use instead of `body`. */
    bodyText: z.string().optional(),
    /** Statuses that count as success for http_req_failed (default 200-399). */
    expectStatus: z.array(z.number().int()).min(1).optional(),
    checks: z.array(checkSchema).default([]),
    captures: z.record(z.string(), captureSchema).default({}),
    /** Send this step this many times in a row ({{rep}} is 0-based inside). */
    repeat: z.number().int().positive().default(1),
    /**
     * Re-send the same rendered request (same headers, so the same Idempotency-Key, same body) when it
     * fails with one of these statuses or failure kinds: 'network' is no response other than a timeout
     * (refused, reset), 'timeout' is no response within requestTimeout. Waits backoffMs, doubling each
     * time. The attempts form one logical request: one measurement, latency over all of them.
     */
    retry: retrySchema.optional(),
    /**
     * Points added to the scenario's own metrics (its `metrics`) after the answer, by metric name: `duration`
     * (this request's latency, ms), `status` (0 without an answer), a number (1 for a Counter), `{ statusIn:
     * [200, 201] }` (1 or 0, for a Rate), or `{ capture: name }` (a value this step or an earlier one captured).
     */
    add: z.record(z.string(), metricValueSchema).optional(),
  })
  .strict();
/**
 * A request step. In a flow, steps written inside a `batch` or a `group` come out flat, marked with
 * `batch` (the batch's number in the flow: consecutive steps with the same number go out together) and
 * `group` (k6's group path, "::checkout::pay"), so everything that reads a flow reads a list of requests.
 */
export type Step = z.infer<typeof stepSchema> & { batch?: number; group?: string };

/** k6's http.batch: these requests go out together, in parallel (at most 6 at once, k6's batchPerHost). */
const batchItemSchema = z.object({ batch: z.array(stepSchema).min(1) }).strict();

/** k6's group(): these steps' requests carry the group's tag, and each pass through it is a group_duration. */
const groupItemSchema = z
  .object({
    group: z
      .string()
      .min(1)
      .refine((g) => !g.includes('::'), { message: 'a group name may not hold "::" (nest groups instead)' }),
    get steps() {
      return z.array(flowItemSchema).min(1);
    },
  })
  .strict();

type FlowItem = z.infer<typeof stepSchema> | z.infer<typeof batchItemSchema> | { group: string; steps: FlowItem[] };

/** The branch a flow item means by its keys, so a bad item is told what is wrong with it, not with every form at once. */
function itemError(iss: {
  input?: unknown;
  errors?: Array<Array<{ path: PropertyKey[]; message: string }>>;
}): string | undefined {
  const input = iss.input;
  if (input === null || typeof input !== 'object' || !iss.errors) return undefined;
  const branch = 'batch' in input ? 1 : 'group' in input ? 2 : 0;
  const issues = iss.errors[branch] ?? [];
  return issues
    .map(
      (i) =>
        `${
          i.path.length > 0
            ? `${i.path
                .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
                .join('')
                .replace(/^\./, '')}: `
            : ''
        }${i.message}`,
    )
    .join('; ');
}

const flowItemSchema: z.ZodType<FlowItem> = z.union([stepSchema, batchItemSchema, groupItemSchema], {
  error: itemError,
});

/** A flow's items as a list of requests, each batch numbered and each group's path on its steps. */
function flatten(items: FlowItem[], group = '', counter = { batch: 0 }): Step[] {
  const out: Step[] = [];
  for (const item of items) {
    if ('batch' in item) {
      const n = counter.batch++;
      out.push(...item.batch.map((st) => ({ ...st, batch: n, ...(group ? { group } : {}) })));
    } else if ('group' in item) {
      out.push(...flatten(item.steps, `${group}::${item.group}`, counter));
    } else {
      out.push(group ? { ...item, group } : item);
    }
  }
  return out;
}

export const flowSchema = z
  .object({
    name: z.string().min(1),
    weight: z.number().positive().default(1),
    /** Requests in order; `{ batch: [steps] }` sends some together, `{ group: name, steps: [...] }` groups them (k6's http.batch and group()). */
    steps: z
      .array(flowItemSchema)
      .min(1)
      .transform((items) => flatten(items)),
  })
  .strict();
export type Flow = z.infer<typeof flowSchema>;

/** Think time between requests of a closed-model VU. */
export const thinkTimeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z.object({ type: z.literal('constant'), duration: durationSchema }).strict(),
  z.object({ type: z.literal('uniform'), min: durationSchema, max: durationSchema }).strict(),
  z.object({ type: z.literal('normal'), mean: durationSchema, stddev: durationSchema }).strict(),
  z.object({ type: z.literal('exponential'), mean: durationSchema }).strict(),
]);
export type ThinkTime = z.infer<typeof thinkTimeSchema>;

/** Like k6's setup(): runs once before the load; each user's captures become {{user.<name>}}. */
export const setupSchema = z
  .object({
    users: z
      .object({
        count: z.number().int().positive(),
        concurrency: z.number().int().positive().default(8),
        /** Steps run for each user; {{i}} is the user's index, {{runId}} is unique per run. */
        steps: z.array(stepSchema).min(1),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Setup = z.infer<typeof setupSchema>;

/**
 * Like k6's teardown(): runs once after the load, for each setup user, with the user's latest captures
 * ({{user.refreshToken}} after the load rotated it), e.g. a logout at the end of every session.
 */
export const teardownSchema = z
  .object({
    users: z
      .object({
        concurrency: z.number().int().positive().default(8),
        steps: z.array(stepSchema).min(1),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Teardown = z.infer<typeof teardownSchema>;
