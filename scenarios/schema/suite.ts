import { z } from 'zod';
import { executorNamesOf, extendedExecutorSchemas } from '../executors/registry.ts';
import { scenarioFields } from './scenario.ts';

/**
 * A suite file (scenarios/suites/*.yaml, or any file given to `rampart run`):
 * the wrapper around one or more scenarios. Scenarios stay loosely typed here
 * because `include` and `profiles` complete them before each is validated with
 * scenarioSchema.
 */
export const suiteFileSchema = z
  .object({
    /** The JSON Schema this file follows (for editors); ignored by rampart. */
    $schema: z.string().optional(),
    name: z.string().min(1),
    description: z.string(),
    /** What the managed stack must be started with for this suite (e.g. raised rate limits for capacity runs). */
    stack: z
      .object({
        /** Environment variables for the target cluster, e.g. RATE_LIMIT_PER_MINUTE. */
        targetEnv: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .default({ targetEnv: {} }),
    /** A file (relative to this one) whose `setup`, `teardown` and `flows` fill scenarios that do not define their own. */
    include: z.string().optional(),
    /** Post-run analysis: the stress knee, the spike recovery time, the soak drift. */
    analysis: z.enum(['knee', 'recovery', 'drift']).optional(),
    scenarios: z.array(z.record(z.string(), z.unknown())).min(1),
    /** Per profile, per scenario name: top-level fields that replace the scenario's (e.g. a shorter duration for quick). */
    profiles: z
      .object({
        quick: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
        full: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
      })
      .strict()
      .default({ quick: {}, full: {} }),
  })
  .strict();
export type SuiteFile = z.infer<typeof suiteFileSchema>;

/** A scenario as written in a suite: every field typed, `flows` optional (it may come from `include`), `users` also as a file. */
const written = {
  ...scenarioFields,
  flows: scenarioFields.flows.optional(),
  users: z.union([scenarioFields.users.unwrap(), z.object({ file: z.string().min(1) }).strict()]).optional(),
};
const writtenScenario = z.discriminatedUnion('executor', extendedExecutorSchemas(written));

/** The suite file with its scenarios typed in full: the source of schemas/scenario.schema.json. */
export const suiteDocumentSchema = suiteFileSchema.extend({ scenarios: z.array(writtenScenario).min(1) });

/**
 * The JSON Schema of suite files, generated from the zod schema (`npm run schema`
 * writes schemas/scenario.schema.json; a test checks the committed file is current).
 * Input form: defaulted fields are optional. Refinements (durations, threshold
 * syntax) are checked by rampart when it loads the file, not by the JSON Schema.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(suiteDocumentSchema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    reused: 'ref',
  }) as Record<string, unknown>;
  describeProperties(schema);
  return {
    ...schema,
    $id: 'https://github.com/rampart/rampart/schemas/scenario.schema.json',
    title: 'rampart suite file (scenarios)',
  };
}

/** What editors show when completing a key; property names mean the same wherever they appear in a suite file. */
const descriptions: Record<string, string> = {
  name: 'Name (suite, scenario, flow) or request tag (step; default "<METHOD> <path>", thresholds filter on it)',
  description: 'What this suite or scenario proves',
  stack: 'How the managed stack is started for this suite (ignored with --target)',
  targetEnv: 'Environment variables of the target cluster, e.g. RATE_LIMIT_PER_MINUTE',
  include: 'A file (relative to this one) whose setup, teardown, flows and users fill scenarios that define none',
  analysis: 'Post-run analysis: the stress knee, the spike recovery time, the soak drift',
  scenarios:
    'The scenarios of the suite, run one after the other (or overlapping, at their startTime, when any has one)',
  profiles: "Per profile (quick, full), per scenario name: top-level fields that replace the scenario's",
  executor: `Load model: ${executorNamesOf('open').join(', ')} (open); ${executorNamesOf('closed').join(', ')} (closed)`,
  rate: 'Arrivals per timeUnit (open model)',
  timeUnit: 'The unit of rate (default 1s)',
  duration: 'How long: 500ms, 30s, 1m30s, 2h, or seconds as a number',
  stages: 'Ramp: [{ target, duration }], the rate or VU count reached at the end of each stage',
  startRate: 'Arrival rate at the start of the first stage',
  startVUs: 'VUs at the start of the first stage',
  vus: 'Virtual users (closed model)',
  iterations: 'Iterations per VU (per-vu-iterations), or in all, shared by the VUs (shared-iterations)',
  maxDuration: 'Upper bound on a per-vu-iterations or shared-iterations run',
  preAllocatedVUs: 'VU slots made at start (open model)',
  maxVUs:
    'Most iterations in flight at once; an arrival finding none free waits (late) or is dropped after maxLateness',
  connections: 'Keep-alive connections shared by the scenario',
  flows: "Weighted mix of flows; each iteration runs one flow's steps in order",
  weight: 'Relative share of iterations that run this flow (default 1)',
  steps: 'Requests, in order',
  thinkTime: "Pause between a closed-model VU's requests: none, constant, uniform, normal, exponential",
  setup: 'Runs once before the load (k6 setup()); captures of setup.users.steps become {{user.<name>}}',
  teardown:
    "Runs once after the load (k6 teardown()) for each setup user, with the user's latest captures (e.g. a logout)",
  users:
    'Rows of user data ({{user.<column>}}): inline, or { file: users.csv } (CSV with a header row, or a JSON array)',
  file: 'Path of a CSV or JSON data file, relative to the suite file',
  count: 'How many setup users',
  concurrency: 'Setup users prepared at once',
  thresholds: 'k6 thresholds: { "http_req_duration{name:GET /v1/feed}": ["p(95)<200"] }',
  thresholdWindows: 'Sliding windows (seconds) over which thresholds are also evaluated; [] for the whole run only',
  requestTimeout: 'Per-request timeout, headers and body (default 10s); a timeout counts as an error',
  maxLateness: 'Open model: an arrival still waiting for a free VU after this long is dropped (default 10s)',
  startTime:
    'k6 startTime: when this scenario starts after the suite starts; with any startTime in a suite, its scenarios overlap as in k6',
  gracefulStop:
    'k6 gracefulStop: how long iterations in flight at the end may go on before their requests are cancelled',
  tags: 'k6 scenario tags: tags every request of the scenario carries; thresholds filter on them ({env:staging})',
  env: "k6 scenario env: values of {{env.NAME}} inside this scenario, over the environment's",
  metrics:
    "The scenario's own metrics (k6 custom metrics) by name: trend, counter, rate or gauge; steps add to them, thresholds judge them",
  add: "Points for the scenario's own metrics: { name: duration | status | <number> | { statusIn: [200] } | { capture: name } }",
  maxRedirects: "Redirects followed on the target's origin, the hops one request (default 10, as k6; 0 follows none)",
  cookies: "vu: a cookie jar per VU, Set-Cookie kept and sent back (k6's default); none: no cookie kept",
  selfCheck: 'When the load generator itself is the bottleneck (run marked invalid)',
  method: 'HTTP method (default GET)',
  path: 'Path template, e.g. /v1/posts/{{postId}}; the base URL is --target or the managed stack',
  headers: 'Header templates',
  body: 'JSON body; strings inside are templates',
  bodyText: 'A raw (non-JSON) body template, sent as is, instead of body',
  expectStatus: 'Statuses that count as success for http_req_failed (default 200-399)',
  checks: 'Checks on the response (status, json, header); they feed the checks metric and never stop the flow',
  captures: 'Values to keep for later steps: { postId: { json: id } } or { header: location }',
  repeat: 'Send this step this many times in a row ({{rep}} is 0-based)',
  retry: 'Re-send the same rendered request on these statuses or on network/timeout',
  batch:
    "k6 http.batch: these steps' requests go out together, in parallel (at most 6 at once); the flow goes on when all are answered",
  group:
    "k6 group(): a name whose steps' requests carry the group tag (::name) and whose every pass is a group_duration",
  $schema: 'The JSON Schema this file follows (for editors); ignored by rampart',
};

function describeProperties(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(describeProperties);
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  const props = obj.properties as Record<string, Record<string, unknown>> | undefined;
  if (props && typeof props === 'object') {
    for (const [key, value] of Object.entries(props)) {
      const text = descriptions[key];
      if (text && value && typeof value === 'object' && value.description === undefined) value.description = text;
    }
  }
  for (const value of Object.values(obj)) describeProperties(value);
}
