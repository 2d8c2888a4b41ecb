import { z } from 'zod';
import { parseDuration, type InputError, type Profile } from '../common/index.ts';
import { severities } from './run-record.ts';

/**
 * The SLO spec: objectives a run is judged against. Each objective kind names
 * the evidence it reads from the run record (see evaluate.ts); an objective
 * whose evidence is absent fails ("not measured" is never "met").
 */
export const SLO_SPEC_API_VERSION = 'rampart/v1' as const;

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as InputError).message });
    return z.NEVER;
  }
});

const ratio = z.number().gt(0).lt(1);

const base = {
  /** Unique name, used as the JUnit test case and in the objective table. */
  name: z
    .string()
    .min(1)
    .regex(/^[\w.:/ -]+$/, 'use letters, digits, space and . _ : / -'),
  description: z.string().optional(),
  /**
   * Fields replaced when the run used that profile: a quick run can state a weaker objective
   * honestly (e.g. 99 % where 2,995 requests for 99.9 % do not fit), and the report shows it.
   */
  profiles: z
    .object({ quick: z.record(z.string(), z.unknown()).optional(), full: z.record(z.string(), z.unknown()).optional() })
    .strict()
    .optional(),
  /**
   * Judged only in runs of these profiles: an objective whose evidence only that profile produces (the
   * 10,000-user suite runs in the full gate). Runs of another profile leave it out; the requirement
   * coverage says what was not exercised.
   */
  onlyInProfiles: z
    .array(z.enum(['quick', 'full']))
    .min(1)
    .optional(),
};

/** pN of request latency < ms, over the whole selection and in every sliding window. */
export const latencyObjective = z
  .object({
    ...base,
    kind: z.literal('latency'),
    percentile: z.number().gt(0).lt(100).default(95),
    lessThanMs: z.number().positive(),
    scenario: z.string().optional(),
    tag: z.string().optional(),
    /** Sliding window: each window must hold too (a minute-long breach in the middle fails). 0 = whole run only. */
    window: duration.default(60_000),
    /** Windows with fewer requests than this are not judged on their own (too few to have a pN). */
    minWindowRequests: z.number().int().nonnegative().default(60),
    /**
     * Fewer requests than this over the whole selection is inconclusive. The statistics add their own
     * floor: a one-sided 95 % bound of pN needs ln(0.05)/ln(N/100) requests (59 for p95, 299 for p99).
     */
    minRequests: z.number().int().nonnegative().default(0),
  })
  .strict();

/** Failed requests (k6 http_req_failed + dropped) / all requests ≤ max. */
export const errorRateObjective = z
  .object({
    ...base,
    kind: z.literal('error-rate'),
    max: ratio,
    scenario: z.string().optional(),
    tag: z.string().optional(),
  })
  .strict();

/** Share of requests that succeeded ≥ target, during each drill (or one named), or during a scenario. */
export const availabilityObjective = z
  .object({
    ...base,
    kind: z.literal('availability'),
    target: ratio,
    during: z.enum(['drill', 'scenario', 'run']).default('run'),
    drill: z.string().optional(),
    scenario: z.string().optional(),
  })
  .strict();

export const recoveryTimeObjective = z
  .object({
    ...base,
    kind: z.literal('recovery-time'),
    maxSeconds: z.number().positive(),
    drill: z.string().optional(),
  })
  .strict();

/** The rate-limit scenario's thresholds all ok and none of its checks failed. */
export const rateLimitObjective = z
  .object({
    ...base,
    kind: z.literal('rate-limit'),
    scenario: z.string().default('rate-limit'),
  })
  .strict();

/** No finding at or above minSeverity that a suppression file did not accept. */
export const securityObjective = z
  .object({
    ...base,
    kind: z.literal('security'),
    minSeverity: z.enum(severities).default('high'),
  })
  .strict();

/** The engine's thresholds (k6 syntax, in the scenarios) all held. */
export const thresholdObjective = z
  .object({
    ...base,
    kind: z.literal('threshold'),
    scenario: z.string().optional(),
  })
  .strict();

export const drillPassedObjective = z
  .object({
    ...base,
    kind: z.literal('drill-passed'),
    drill: z.string().optional(),
  })
  .strict();

/** No acknowledged write lost, none duplicated. */
export const dataReconciledObjective = z
  .object({
    ...base,
    kind: z.literal('data-reconciled'),
    drill: z.string().optional(),
  })
  .strict();

export const objectiveSchema = z.discriminatedUnion('kind', [
  latencyObjective,
  errorRateObjective,
  availabilityObjective,
  recoveryTimeObjective,
  rateLimitObjective,
  securityObjective,
  thresholdObjective,
  drillPassedObjective,
  dataReconciledObjective,
]);
export type Objective = z.output<typeof objectiveSchema>;
export type ObjectiveKind = Objective['kind'];

/** SRE workbook multi-window, multi-burn-rate alerts for a 30-day SLO: long window, short window, burn threshold. */
const defaultBurnWindows = [
  { long: '1h', short: '5m', threshold: 14.4 },
  { long: '6h', short: '30m', threshold: 6 },
  { long: '24h', short: '2h', threshold: 3 },
  { long: '72h', short: '6h', threshold: 1 },
];

export const sloSpecSchema = z
  .object({
    apiVersion: z.literal(SLO_SPEC_API_VERSION).default(SLO_SPEC_API_VERSION),
    kind: z.literal('SloSpec').default('SloSpec'),
    service: z.string().default('target'),
    objectives: z.array(objectiveSchema).min(1, 'declare at least one objective'),
    burnRate: z
      .object({
        /**
         * The workbook's windows are hours of a 30-day period; a test run lasts minutes.
         * scale shrinks every window (1/60: one hour becomes one minute). A window is only
         * reported when the run is at least that long.
         */
        scale: z
          .number()
          .positive()
          .max(1)
          .default(1 / 60),
        windows: z
          .array(z.object({ long: duration, short: duration, threshold: z.number().positive() }).strict())
          .default(() =>
            defaultBurnWindows.map((w) => ({
              long: parseDuration(w.long),
              short: parseDuration(w.short),
              threshold: w.threshold,
            })),
          ),
      })
      .strict()
      .default(() => ({
        scale: 1 / 60,
        windows: defaultBurnWindows.map((w) => ({
          long: parseDuration(w.long),
          short: parseDuration(w.short),
          threshold: w.threshold,
        })),
      })),
    /**
     * The requirements the objectives prove, for the report's coverage table: each claim, the objectives
     * that judge it, and the scale it is claimed at (a 10,000-user claim is only exercised by 10,000 users).
     */
    requirements: z
      .array(
        z
          .object({
            name: z.string().min(1),
            claim: z.string().min(1),
            objectives: z.array(z.string()).default([]),
            /** Scenarios whose load exercises it (default: the scenarios its objectives name, else every scenario). */
            scenarios: z.array(z.string()).optional(),
            scale: z
              .object({
                concurrency: z.number().int().positive().optional(),
                rate: z.number().positive().optional(),
                requests: z.number().int().positive().optional(),
              })
              .strict()
              .default({}),
          })
          .strict(),
      )
      .default([]),
    /** Baseline comparison: a latency objective regressed when its value rose more than this fraction. */
    regressionThreshold: z.number().positive().default(0.1),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    const names = new Set(spec.objectives.map((o) => o.name));
    spec.requirements.forEach((r, i) =>
      r.objectives.forEach((n, j) => {
        if (!names.has(n))
          ctx.addIssue({
            code: 'custom',
            path: ['requirements', i, 'objectives', j],
            message: `no objective named "${n}" (objectives: ${[...names].join(', ')})`,
          });
      }),
    );
    spec.objectives.forEach((o, i) => {
      if (seen.has(o.name))
        ctx.addIssue({
          code: 'custom',
          path: ['objectives', i, 'name'],
          message: `duplicate objective name "${o.name}"`,
        });
      seen.add(o.name);
      for (const [profile, override] of Object.entries(o.profiles ?? {})) {
        const parsed = objectiveSchema.safeParse({ ...objectiveToInput(o), ...override, profiles: undefined });
        if (!parsed.success) {
          for (const issue of parsed.error.issues) {
            ctx.addIssue({
              code: 'custom',
              path: ['objectives', i, 'profiles', profile, ...issue.path.map(String)],
              message: issue.message,
            });
          }
        }
        if ('kind' in override || 'name' in override)
          ctx.addIssue({
            code: 'custom',
            path: ['objectives', i, 'profiles', profile],
            message: 'a profile may not change kind or name',
          });
      }
    });
  });

/** An objective back in input form (durations as "<n>ms", so a bare number is not read as seconds). */
function objectiveToInput(o: Objective): Record<string, unknown> {
  return o.kind === 'latency' ? { ...o, window: `${o.window}ms` } : { ...o };
}

/** The objective as judged for a run of this profile: its `profiles[profile]` fields replace its own. */
export function forProfile(o: Objective, profile: string | null): Objective {
  const override = profile ? o.profiles?.[profile as Profile] : undefined;
  if (!override) return o;
  const merged = objectiveSchema.parse({ ...objectiveToInput(o), ...override, profiles: undefined });
  return { ...merged, description: o.description ?? merged.description, profiles: o.profiles } as Objective;
}
export type SloSpec = z.output<typeof sloSpecSchema>;
export type SloSpecInput = z.input<typeof sloSpecSchema>;

/**
 * The spec as input again (durations as "<n>ms" strings), so a spec stored in a
 * run record parses back to the same values (a bare number would read as seconds).
 */
export function specToInput(spec: SloSpec): SloSpecInput {
  return {
    ...spec,
    objectives: spec.objectives.map((o) => objectiveToInput(o) as SloSpecInput['objectives'][number]),
    burnRate: {
      scale: spec.burnRate.scale,
      windows: spec.burnRate.windows.map((w) => ({ ...w, long: `${w.long}ms`, short: `${w.short}ms` })),
    },
  };
}
