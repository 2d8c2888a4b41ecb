import { z } from 'zod';
import { InputError, parseOrThrow } from '../../common/index.ts';
import { durationSchema } from './duration.ts';
import { definitionOf, extendedExecutorSchemas } from '../executors/registry.ts';
import { flowSchema, setupSchema, teardownSchema, thinkTimeSchema } from './flow.ts';
import { templateNameProblems } from '../flow/template-names.ts';
import {
  metricKinds,
  parseThresholdKey,
  parseThresholdExpression,
  ThresholdSyntaxError,
  UnknownMetricError,
} from '../thresholds/parse.ts';

const thresholdItem = z.union([
  z.string(),
  z
    .object({ threshold: z.string(), abortOnFail: z.boolean().optional(), delayAbortEval: durationSchema.optional() })
    .strict(),
]);

/** k6's thresholds object; keys and expressions are checked by the k6-syntax parser with the failing path named. */
export const thresholdsSchema = z.record(z.string(), z.array(thresholdItem).min(1)).superRefine((spec, ctx) => {
  for (const [key, list] of Object.entries(spec)) {
    let metric;
    try {
      metric = parseThresholdKey(key).metric;
    } catch (err) {
      if (err instanceof UnknownMetricError) continue; // perhaps one of the scenario's own metrics: checked with them
      if (!(err instanceof ThresholdSyntaxError)) throw err;
      ctx.addIssue({ code: 'custom', path: [key], message: err.message });
      continue;
    }
    list.forEach((item, i) => {
      try {
        parseThresholdExpression(typeof item === 'string' ? item : item.threshold, metric);
      } catch (err) {
        if (!(err instanceof ThresholdSyntaxError)) throw err;
        ctx.addIssue({
          code: 'custom',
          path: typeof item === 'string' ? [key, i] : [key, i, 'threshold'],
          message: err.message,
        });
      }
    });
  }
});

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A record whose keys are names (tag or variable), each bad key named in its own issue. */
const namedRecord = (what: string, reserved: readonly string[] = []) =>
  z.record(z.string(), z.string()).superRefine((rec, ctx) => {
    for (const key of Object.keys(rec)) {
      if (!IDENT.test(key))
        ctx.addIssue({ code: 'custom', path: [key], message: `a ${what} is letters, digits and _` });
      else if (reserved.includes(key))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${reserved.join(', ')} are set by rampart; choose another ${what}`,
        });
    }
  });

/** The fields every scenario has besides its executor's. */
export const scenarioFields = {
  name: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_-]+$/, { message: 'use letters, digits, - and _ only' }),
  description: z.string().optional(),
  flows: z.array(flowSchema).min(1),
  thinkTime: thinkTimeSchema.default({ type: 'none' }),
  setup: setupSchema.optional(),
  teardown: teardownSchema.optional(),
  /**
   * Rows of user data, {{user.<column>}} in templates (k6's SharedArray, Artillery's payload): a closed-model
   * VU is one row, open-model arrivals take rows in turn. With a setup phase, setup user i starts from row
   * i (modulo the row count), so setup steps can log in with {{user.email}}. In a suite file also
   * `users: { file: users.csv }` (a CSV with a header row, or a JSON array of objects; relative to the suite file).
   */
  users: z
    .array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])))
    .min(1)
    .optional(),
  thresholds: thresholdsSchema.default({}),
  /**
   * The scenario's own metrics (k6's custom metrics: new Trend('login_time')), by name: steps add to them
   * (`add: { login_time: duration }`) and thresholds judge them (`login_time: ["p(95)<300"]`).
   */
  metrics: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'a metric name is letters, digits and _' }),
      z.enum(['trend', 'counter', 'rate', 'gauge']),
    )
    .optional(),
  /**
   * k6's startTime: how long after the suite starts this scenario starts. When any scenario of a suite has
   * one, the suite runs as k6 runs: every scenario starts at its startTime (default 0), overlapping;
   * without any, the scenarios run one after another.
   */
  startTime: durationSchema.optional(),
  /**
   * k6's gracefulStop: at the end of the load, iterations in flight go on (their remaining steps
   * included) for this long, then their requests are cancelled and not counted. Unset: no new step
   * starts after the end, and requests in flight finish (each within requestTimeout).
   */
  gracefulStop: durationSchema.optional(),
  /** k6's scenario tags: every request of the scenario carries them; thresholds filter on them ({env:staging}). */
  tags: namedRecord('tag name', ['name', 'scenario', 'group', 'tag']).optional(),
  /** k6's scenario env: values of {{env.NAME}} inside this scenario (its flows, setup, teardown), over the environment's. */
  env: namedRecord('variable name').optional(),
  /** Sliding windows (seconds) over which thresholds are also evaluated; [] for whole-run only. */
  thresholdWindows: z.array(z.number().int().positive()).default([10, 60]),
  /**
   * k6's maxRedirects: a 301/302/303/307/308 answer with a Location on the target's origin is followed, up
   * to this many times (0: the 3xx is the answer). The hops form one request: one measurement, latency over
   * all of them, the last answer's status. A redirect to another origin is not followed.
   */
  maxRedirects: z.number().int().min(0).max(100).default(10),
  /** k6's cookie jar per VU: Set-Cookie answers are kept per VU and sent back (vu, k6's default), or none kept. */
  cookies: z.enum(['vu', 'none']).default('vu'),
  /** Per-request timeout (headers and body). */
  requestTimeout: durationSchema.default('10s'),
  /** Open model: an arrival still waiting for a free VU/connection after this long is dropped. */
  maxLateness: durationSchema.default('10s'),
  /** When is the generator itself the bottleneck (run marked invalid)? */
  selfCheck: z
    .object({
      maxLoopLagP99Ms: z.number().positive().default(20),
      minRateRatio: z.number().min(0).max(1).default(0.97),
    })
    .strict()
    .default({ maxLoopLagP99Ms: 20, minRateRatio: 0.97 }),
};

export const scenarioSchema = z
  .discriminatedUnion('executor', extendedExecutorSchemas(scenarioFields))
  .superRefine((s, ctx) => {
    checkOwnMetrics(s, ctx);
    const executor = definitionOf(s);
    if (executor.lasts === null) return;
    if (executor.loadMs(s) <= 0)
      ctx.addIssue({ code: 'custom', path: [executor.lasts], message: 'the scenario must last longer than 0s' });
  });
export type Scenario = z.infer<typeof scenarioSchema>;

/** The scenario's own metrics: not named like a built-in one, declared before a step adds to one or a threshold names one. */
function checkOwnMetrics(
  s: {
    metrics?: Record<string, 'trend' | 'counter' | 'rate' | 'gauge'> | undefined;
    thresholds: Record<string, Array<string | { threshold: string }>>;
    flows: Array<{ steps: Array<{ add?: Record<string, unknown> | undefined }> }>;
  },
  ctx: z.RefinementCtx,
): void {
  const own = s.metrics ?? {};
  for (const name of Object.keys(own)) {
    if (
      name in metricKinds ||
      name.startsWith('http_') ||
      ['vus', 'vus_max', 'iterations', 'iteration_duration', 'data_sent', 'data_received'].includes(name)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['metrics', name],
        message: `"${name}" is a built-in metric's name (k6 or rampart); choose another`,
      });
    }
  }
  s.flows.forEach((f, i) =>
    f.steps.forEach((st, j) => {
      for (const name of Object.keys(st.add ?? {})) {
        if (!(name in own))
          ctx.addIssue({
            code: 'custom',
            path: ['flows', i, 'steps', j, 'add', name],
            message: `no metric "${name}" in the scenario's metrics (${Object.keys(own).join(', ') || 'none declared'}): declare it, e.g. metrics: { ${name}: trend }`,
          });
      }
    }),
  );
  for (const [key, list] of Object.entries(s.thresholds)) {
    try {
      const { metric } = parseThresholdKey(key, own);
      if (!(metric in own)) continue;
      list.forEach((item, i) => {
        try {
          parseThresholdExpression(typeof item === 'string' ? item : item.threshold, metric, own);
        } catch (err) {
          if (!(err instanceof ThresholdSyntaxError)) throw err;
          ctx.addIssue({ code: 'custom', path: ['thresholds', key, i], message: err.message });
        }
      });
    } catch (err) {
      if (!(err instanceof ThresholdSyntaxError)) throw err;
      ctx.addIssue({ code: 'custom', path: ['thresholds', key], message: err.message });
    }
  }
}
export type ScenarioInput = z.input<typeof scenarioSchema>;

export class ScenarioInvalidError extends InputError<'RAMPART_SCENARIO_INVALID'> {
  constructor(message: string, details?: Record<string, unknown>) {
    super('RAMPART_SCENARIO_INVALID', message, {
      hint: 'fix the named field (see docs/engine.md for the scenario format)',
      details,
    });
  }
}

/** Validates scenario data; a bad scenario is an InputError (exit 2) naming each bad field's path. */
export function parseScenario(value: unknown, what = 'scenario'): Scenario {
  let s: Scenario;
  try {
    s = parseOrThrow(scenarioSchema, value, {
      code: 'RAMPART_SCENARIO_INVALID',
      what,
      hint: 'fix the named field (see docs/engine.md)',
    });
  } catch (err) {
    if (err instanceof InputError) throw new ScenarioInvalidError(err.message, err.details);
    throw err;
  }
  // A template naming a value nothing supplies would leave its requests unsent at run time: refused here.
  const problems = templateNameProblems(s);
  if (problems.length > 0)
    throw new ScenarioInvalidError(
      `${what} (scenario ${s.name}): ${problems.length === 1 ? "a template (or an add's capture) names" : `${problems.length} templates (or adds' captures) name`} a value nothing supplies:\n  ${problems.join('\n  ')}`,
    );
  return s;
}
