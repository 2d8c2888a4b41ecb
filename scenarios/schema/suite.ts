import { z } from 'zod';
import {
  constantArrivalRateSchema, rampingArrivalRateSchema, constantVusSchema, rampingVusSchema, perVuIterationsSchema,
} from './executors.ts';
import { scenarioFields } from './scenario.ts';

/**
 * A suite file (scenarios/suites/*.yaml, or any file given to `rampart run`):
 * the wrapper around one or more scenarios. Scenarios stay loosely typed here
 * because `include` and `profiles` complete them before each is validated with
 * scenarioSchema.
 */
export const suiteFileSchema = z.object({
  /** The JSON Schema this file follows (for editors); ignored by rampart. */
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string(),
  /** What the managed stack must be started with for this suite (e.g. raised rate limits for capacity runs). */
  stack: z.object({
    /** Environment variables for the target cluster, e.g. RATE_LIMIT_PER_MINUTE. */
    targetEnv: z.record(z.string(), z.string()).default({}),
  }).strict().default({ targetEnv: {} }),
  /** A file (relative to this one) whose `setup` and `flows` fill scenarios that do not define their own. */
  include: z.string().optional(),
  /** Post-run analysis: the stress knee, the spike recovery time, the soak drift. */
  analysis: z.enum(['knee', 'recovery', 'drift']).optional(),
  scenarios: z.array(z.record(z.string(), z.unknown())).min(1),
  /** Per profile, per scenario name: top-level fields that replace the scenario's (e.g. a shorter duration for quick). */
  profiles: z.object({
    quick: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    full: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  }).strict().default({ quick: {}, full: {} }),
}).strict();
export type SuiteFile = z.infer<typeof suiteFileSchema>;

/** A scenario as written in a suite: every field typed, `flows` optional (it may come from `include`), `users` also as a file. */
const written = {
  ...scenarioFields,
  flows: scenarioFields.flows.optional(),
  users: z.union([scenarioFields.users.unwrap(), z.object({ file: z.string().min(1) }).strict()]).optional(),
};
const writtenScenario = z.discriminatedUnion('executor', [
  constantArrivalRateSchema.extend(written),
  rampingArrivalRateSchema.extend(written),
  constantVusSchema.extend(written),
  rampingVusSchema.extend(written),
  perVuIterationsSchema.extend(written),
]);

/** The suite file with its scenarios typed in full: the source of schemas/scenario.schema.json. */
export const suiteDocumentSchema = suiteFileSchema.extend({ scenarios: z.array(writtenScenario).min(1) });

/**
 * The JSON Schema of suite files, generated from the zod schema (`npm run schema`
 * writes schemas/scenario.schema.json; a test checks the committed file is current).
 * Input form: defaulted fields are optional. Refinements (durations, threshold
 * syntax) are checked by rampart when it loads the file, not by the JSON Schema.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(suiteDocumentSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any', reused: 'ref' }) as Record<string, unknown>),
    $id: 'https://github.com/rampart/rampart/schemas/scenario.schema.json',
    title: 'rampart suite file (scenarios)',
  };
}
