import { z } from 'zod';

/**
 * The run record: the one document that crosses from a run (load, drill,
 * scan, gate) to a report. Versioned; its JSON Schema is generated from this
 * zod schema into schemas/run-record.schema.json (see `npm run schema`).
 * Everything a report shows is derived from it.
 */
export const RUN_RECORD_FORMAT = 'rampart.run-record' as const;
export const RUN_RECORD_VERSION = 1 as const;

const statusClasses = z.object({
  '1xx': z.number().int().nonnegative().default(0),
  '2xx': z.number().int().nonnegative().default(0),
  '3xx': z.number().int().nonnegative().default(0),
  '4xx': z.number().int().nonnegative().default(0),
  '5xx': z.number().int().nonnegative().default(0),
  /** No HTTP response at all: refused, reset, timed out. */
  net: z.number().int().nonnegative().default(0),
});
export type StatusClasses = z.infer<typeof statusClasses>;

/** One time bucket (1 s by default) for one request tag of one scenario. */
export const sampleSchema = z.object({
  /** Bucket start, epoch milliseconds. */
  ts: z.number(),
  scenario: z.string(),
  /** The request's tag (its name, e.g. "GET /v1/feed"); "*" never appears: aggregate by merging. */
  tag: z.string(),
  /** Requests completed (with or without a response) in this bucket. */
  count: z.number().int().nonnegative(),
  /** Requests counted as failed (k6's http_req_failed: network error or status outside the expected set). */
  failed: z.number().int().nonnegative(),
  status: statusClasses,
  checks: z.object({ passed: z.number().int().nonnegative(), failed: z.number().int().nonnegative() }),
  /** Open model: requests that started later than intended (no free connection/VU at their time). */
  late: z.number().int().nonnegative().default(0),
  /** Open model: requests that were never sent (the engine gave up on them); they count as failed. */
  dropped: z.number().int().nonnegative().default(0),
  /**
   * Exact outcomes: each HTTP status code ("200", "429", "503") and each kind of
   * error without a response ("timeout", "refused", "reset", "other", "template"
   * for a request that could not be rendered, "dropped" for one never sent).
   * Sums to count. Empty in records written before it existed.
   */
  codes: z.record(z.string(), z.number().int().nonnegative()).default({}),
  /** 503 answers that carried Retry-After (fail fast and tell the client when to come back). */
  retryAfter503: z.number().int().nonnegative().default(0),
  /** HdrHistogram (µs, compressed base64) of latency; open model measures from the intended start. */
  latency: z.string(),
});
export type Sample = z.infer<typeof sampleSchema>;

/** Engine-level series, one per scenario per bucket: what was asked vs what was done, and the generator's health. */
export const engineSampleSchema = z.object({
  ts: z.number(),
  scenario: z.string(),
  /** Intended arrival rate (req/s) in this bucket; null for closed-model scenarios. */
  targetRate: z.number().nullable(),
  /** Iterations/requests started in this bucket. */
  started: z.number().int().nonnegative(),
  vus: z.number().int().nonnegative().nullable(),
  /** Event-loop lag of the generator in this bucket, ms. */
  loopLagP99Ms: z.number().nonnegative(),
  /** CPU used by the generator process in this bucket, fraction of one core. */
  cpu: z.number().nonnegative(),
});
export type EngineSample = z.infer<typeof engineSampleSchema>;

/**
 * Where the machine's time went: one per process group of the managed stack (target, postgres, redis, proxy, lb,
 * and rampart itself, the generator) per bucket: CPU as a fraction of one core and resident memory.
 */
export const processSampleSchema = z.object({
  ts: z.number(),
  process: z.string(),
  cpu: z.number().nonnegative(),
  /** CPU time in the bucket, ms: summed for totals (a late tick makes a bucket longer than intervalMs). */
  cpuMs: z.number().nonnegative(),
  rssMb: z.number().nonnegative(),
});
export type ProcessSample = z.infer<typeof processSampleSchema>;

export const eventTypes = [
  'run.started',
  'run.ended',
  'run.aborted',
  'phase.started',
  'phase.ended',
  'fault.injected',
  'fault.removed',
  'process.stopped',
  'process.killed',
  'process.paused',
  'process.resumed',
  'process.started',
  'process.ready',
  'probe',
  'slo.breached',
  'threshold.aborted',
  'note',
] as const;

export const eventSchema = z.object({
  ts: z.number(),
  type: z.enum(eventTypes),
  /** Short label shown on charts ("pg latency 500ms", "steady state"). */
  label: z.string(),
  /** Pairs fault.injected with fault.removed, phase.started with phase.ended. */
  id: z.string().optional(),
  scenario: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type RunEvent = z.infer<typeof eventSchema>;

export const severities = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

const httpExchange = z.object({
  request: z.object({
    method: z.string(),
    url: z.string(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.string().optional(),
  }),
  response: z
    .object({
      status: z.number().int(),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.string().optional(),
    })
    .nullable(),
});

export const findingSchema = z.object({
  /** Unique per run: ruleId + endpoint. */
  id: z.string(),
  /** Stable rule id, used by suppression files ("rampart-api1-bola-read", "zap-10038"). */
  ruleId: z.string(),
  title: z.string(),
  /** OWASP API Security Top 10 (2023) category, e.g. "API1:2023"; or "fuzz", "transport". */
  category: z.string(),
  severity: z.enum(severities),
  endpoint: z.string(),
  description: z.string(),
  evidence: httpExchange.nullable(),
  source: z.string().default('rampart'),
  /** Set when a suppression file accepted it (IGNORE/WARN) with a reason. */
  suppressed: z.object({ action: z.enum(['IGNORE', 'WARN', 'FAIL']), reason: z.string() }).optional(),
});
export type Finding = z.infer<typeof findingSchema>;

/** Every objective, threshold and drill check ends in one of three outcomes; only "pass" passes a gate. */
export const outcomes = ['pass', 'fail', 'inconclusive'] as const;
export type Outcome = (typeof outcomes)[number];
export const outcomeSchema = z.enum(outcomes);

export const statisticsSchema = z.object({
  /** clopper-pearson (ratio objectives) or order-statistic (percentiles). */
  method: z.enum(['clopper-pearson', 'order-statistic']),
  /** Confidence level of the one-sided bounds, e.g. 0.95. */
  confidence: z.number(),
  /** Requests judged. */
  n: z.number().int().nonnegative(),
  /** Ratio objectives: failed requests among n. */
  failures: z.number().int().nonnegative().optional(),
  /** Point estimate: the failure ratio, or the percentile in ms. */
  estimate: z.number().nullable(),
  /** One-sided lower and upper confidence bounds of the failure ratio or the percentile (ms); null when n is too small to have one. */
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  /** Requests needed for a conclusive verdict at the observed failure ratio; null when more requests cannot make it pass. */
  requestsNeeded: z.number().int().nullable().optional(),
});
export type Statistics = z.infer<typeof statisticsSchema>;

export const thresholdResultSchema = z.object({
  scenario: z.string(),
  metric: z.string(),
  /** Tag filter, e.g. "name:GET /v1/feed"; absent for the whole metric. */
  filter: z.string().optional(),
  expression: z.string(),
  /** True only when the outcome is pass. */
  ok: z.boolean(),
  /** inconclusive: no data for the metric/tag, or the measurement was invalid. Absent in old records: derived from ok. */
  outcome: outcomeSchema.optional(),
  /** Why it is inconclusive and what would make it conclusive. */
  reason: z.string().optional(),
  /** Observed value over the whole run (or the worst window when a window breached). */
  value: z.number().nullable(),
  /** Set when a sliding window breached: its bounds, epoch ms. */
  window: z.object({ start: z.number(), end: z.number(), seconds: z.number() }).optional(),
  abortedRun: z.boolean().default(false),
  /**
   * rampart's own reading of the same points, beside the verdict above (which, for thresholds read back
   * from k6, is k6's): confidence bounds where the data allow them, inconclusive where too few points
   * were judged. Absent for the engine's own thresholds.
   */
  rampart: z
    .object({
      outcome: outcomeSchema,
      reason: z.string().optional(),
      statistics: statisticsSchema.optional(),
    })
    .optional(),
});
export type ThresholdResult = z.infer<typeof thresholdResultSchema>;

export const scenarioSummarySchema = z.object({
  scenario: z.string(),
  executor: z.string(),
  startedAt: z.number(),
  endedAt: z.number(),
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  late: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
  rate: z.object({ target: z.number().nullable(), achieved: z.number() }),
  latencyMs: z.object({
    p50: z.number(),
    p90: z.number(),
    p95: z.number(),
    p99: z.number(),
    p999: z.number(),
    max: z.number(),
  }),
  checks: z.object({ passed: z.number().int(), failed: z.number().int() }),
  /** Exact outcomes over the scenario: status codes and error kinds (see samples[].codes). */
  codes: z.record(z.string(), z.number().int().nonnegative()).default({}),
  /** The generator's worst event-loop lag, ms: the most its own delay can have added to any one latency. */
  generatorLagMaxMs: z.number().nonnegative().optional(),
  /** False when the generator itself was the bottleneck; reasons say why. */
  valid: z.boolean(),
  invalidReasons: z.array(z.string()).default([]),
});
export type ScenarioSummary = z.infer<typeof scenarioSummarySchema>;

/**
 * One expectation of a drill over a window: the metric over the requests of `tag` (a request tag, a group
 * of the drill's `tags`, or all), compared with a bound.
 */
export const drillObjectiveSchema = z.object({
  name: z.string(),
  tag: z.string().min(1),
  metric: z.enum(['availability', 'success', 'p50', 'p95', 'p99', 'max', 'timeouts', 'fastFail']),
  op: z.enum(['<=', '>=']),
  value: z.number(),
});
export type DrillObjective = z.infer<typeof drillObjectiveSchema>;

export const drillResultSchema = z.object({
  name: z.string(),
  passed: z.boolean(),
  startedAt: z.number(),
  endedAt: z.number(),
  /** Fault window(s), epoch ms. */
  faults: z.array(z.object({ label: z.string(), start: z.number(), end: z.number().nullable() })),
  /** Seconds from rollback until the SLO held again; null when it never recovered in the observation time. */
  recoverySeconds: z.number().nullable(),
  reconciliation: z
    .object({
      acknowledged: z.number().int(),
      found: z.number().int(),
      lost: z.number().int(),
      duplicated: z.number().int(),
      /** Each acknowledged write not found (or found more than once): its id, when it was acknowledged (epoch ms), what the read-back saw. */
      missing: z.array(z.object({ writes: z.string(), id: z.string(), at: z.number(), detail: z.string() })).optional(),
    })
    .nullable(),
  /** Expectations checked, each with its outcome (ok is true only for pass). */
  checks: z.array(
    z.object({
      name: z.string(),
      ok: z.boolean(),
      detail: z.string(),
      outcome: outcomeSchema.optional(),
      /** window: recomputed from the samples of its window; the others are recorded facts (probe, rollback, recovery, reconciliation). */
      source: z.enum(['window', 'probe', 'rollback', 'recovery', 'reconciliation', 'steady-state']).optional(),
    }),
  ),
  skipped: z.array(z.string()).default([]),
  aborted: z.string().nullable().default(null),
  /** pass / fail / inconclusive (a fault not injected, a window without enough requests). Absent in old records. */
  outcome: outcomeSchema.optional(),
  /** Why the drill is inconclusive and what would make it conclusive. */
  reason: z.string().optional(),
  /** The judged windows with the objectives the drill held them to, so reports/ can re-judge them from the samples. */
  windows: z
    .array(
      z.object({
        phase: z.enum(['steady', 'during', 'after']),
        start: z.number(),
        end: z.number(),
        objectives: z.array(drillObjectiveSchema),
      }),
    )
    .optional(),
  /** The drill's groups of request tags (read: […], write: […]) that objectives name as their tag. */
  tags: z.record(z.string(), z.array(z.string())).optional(),
  /** The profile the drill ran with (quick/full). */
  profile: z.string().optional(),
});
export type DrillResult = z.infer<typeof drillResultSchema>;

export const verdictSchema = z.object({
  objective: z.string(),
  kind: z.string(),
  description: z.string(),
  target: z.string(),
  /** The target as a number (ms for latency, a ratio for error rate/availability, seconds for recovery); null when it has none. */
  targetValue: z.number().nullable().optional(),
  /** The scenario (or drill:<name>) the verdict is about, when it is about one. */
  scenario: z.string().optional(),
  measured: z.string(),
  /** Measured value as a number when there is one. */
  value: z.number().nullable(),
  /** True only when the outcome is pass. */
  pass: z.boolean(),
  /** pass, fail, or inconclusive (not enough evidence, fault not injected, measurement invalid, no data). Absent in old records: derived from pass. */
  outcome: outcomeSchema.optional(),
  /** Inconclusive: why, and what would make it conclusive. */
  reason: z.string().optional(),
  /** The statistics behind a ratio or percentile verdict. */
  statistics: statisticsSchema.optional(),
  /** Error budget left, as a fraction of the budget (1 = untouched, <0 = overspent); null when not a ratio objective. */
  budgetRemaining: z.number().nullable(),
  burnRate: z.number().nullable(),
  /** Multi-window burn rates (SRE workbook), where the run is long enough. */
  burnRates: z
    .array(z.object({ window: z.string(), burnRate: z.number(), threshold: z.number(), alert: z.boolean() }))
    .default([]),
  /** Where in the run record the evidence came from. */
  evidence: z.string(),
  regression: z
    .object({ baseline: z.number().nullable(), change: z.number().nullable(), regressed: z.boolean() })
    .optional(),
  /** For windowed objectives: the worst window, epoch ms. */
  window: z.object({ start: z.number(), end: z.number(), seconds: z.number() }).optional(),
  /** Why a value is missing, which windows were not reported, which drill/scenario an expanded objective covers. */
  notes: z.array(z.string()).default([]),
});
export type Verdict = z.infer<typeof verdictSchema>;

export const comparisonSchema = z.object({
  baselineId: z.string(),
  baselineStartedAt: z.number(),
  /** A value regressed when it grew by more than this fraction. */
  threshold: z.number(),
  /** ... and, for a latency (ms), by at least this many milliseconds: a 2-ms move is noise, whatever its %. */
  minAbsoluteMs: z.number().nonnegative().default(0),
  /** True when a regression fails the run (--fail-on-regression): each compared value is then a JUnit test case. */
  fails: z.boolean().default(false),
  rows: z.array(
    z.object({
      scenario: z.string(),
      tag: z.string(),
      metric: z.string(),
      baseline: z.number().nullable(),
      current: z.number().nullable(),
      change: z.number().nullable(),
      regressed: z.boolean(),
    }),
  ),
});
export type Comparison = z.infer<typeof comparisonSchema>;

export const coverageRowSchema = z.object({
  requirement: z.string(),
  /** The claim in words ("p95 < 200 ms", "10,000 concurrent users"). */
  claim: z.string(),
  /** What the run did: requests, peak rate, peak concurrency, duration. */
  exercised: z.object({
    requests: z.number().int().nonnegative(),
    peakRate: z.number().nonnegative(),
    peakConcurrency: z.number().int().nonnegative().nullable(),
    seconds: z.number().nonnegative(),
  }),
  /** pass/fail/inconclusive of its objectives, or not-exercised when the run stayed below the claimed scale. */
  verdict: z.enum(['pass', 'fail', 'inconclusive', 'not-exercised']),
  objectives: z.array(z.string()),
  note: z.string().optional(),
});
export type CoverageRow = z.infer<typeof coverageRowSchema>;

export const runPartSchema = z.object({
  kind: z.enum(['suite', 'scenario', 'drill', 'scan']),
  name: z.string(),
  status: z.enum(['ran', 'skipped', 'failed', 'aborted']),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  note: z.string().optional(),
});
export type RunPart = z.infer<typeof runPartSchema>;

export const runRecordSchema = z.object({
  format: z.literal(RUN_RECORD_FORMAT),
  version: z.literal(RUN_RECORD_VERSION),
  id: z.string(),
  meta: z.object({
    command: z.string(),
    profile: z.string().nullable().default(null),
    target: z.string().nullable().default(null),
    /** Where the measurements came from when rampart did not send the load itself ("k6 import of 3 runners"); null: rampart's engine. */
    source: z.string().nullable().default(null),
    startedAt: z.number(),
    endedAt: z.number().nullable(),
    gitCommit: z.string().nullable(),
    rampartVersion: z.string(),
    node: z.string(),
    platform: z.string(),
    cpus: z.number().int(),
    cpuModel: z.string(),
    memoryBytes: z.number(),
    hostname: z.string(),
  }),
  /** Bucket width of samples, ms. */
  intervalMs: z.number().int().positive().default(1000),
  /** The SLO spec the run was evaluated against (reports/ validates it). */
  slo: z.unknown().nullable().default(null),
  /** Scenario definitions as run (data, for re-rendering and k6 export). */
  scenarios: z.array(z.record(z.string(), z.unknown())).default([]),
  samples: z.array(sampleSchema).default([]),
  engine: z.array(engineSampleSchema).default([]),
  /** CPU and memory per process group of the managed stack, per second (none on --target: its processes are not ours to read). */
  processes: z.array(processSampleSchema).default([]),
  events: z.array(eventSchema).default([]),
  summaries: z.array(scenarioSummarySchema).default([]),
  thresholds: z.array(thresholdResultSchema).default([]),
  drills: z.array(drillResultSchema).default([]),
  findings: z.array(findingSchema).default([]),
  /** What a composite run (the gate) tried: each suite, drill and scan, and whether it ran. */
  parts: z.array(runPartSchema).default([]),
  /** Notes about what did not run and why ("security scan: skipped, ..."). */
  notes: z.array(z.string()).default([]),
  verdicts: z.array(verdictSchema).default([]),
  /** Comparison with a baseline run (`--baseline`): p95 per scenario/tag, regressions marked. */
  comparison: comparisonSchema.nullable().default(null),
  verdict: outcomeSchema.nullable().default(null),
  /** The gate's requirement coverage: each requirement, the scale this run exercised it at, and its verdict. */
  coverage: z.array(coverageRowSchema).default([]),
});
export type RunRecord = z.infer<typeof runRecordSchema>;
export type RunRecordInput = z.input<typeof runRecordSchema>;

/**
 * What one runner (a load scenario, a drill, a scan) hands back: measurements
 * only. The caller folds parts into the run record with appendPart(); runners
 * never mutate a record they did not create.
 */
export type RunRecordPart = Partial<
  Pick<
    RunRecord,
    'scenarios' | 'samples' | 'engine' | 'events' | 'summaries' | 'thresholds' | 'drills' | 'findings' | 'notes'
  >
>;

const partKeys = [
  'scenarios',
  'samples',
  'engine',
  'events',
  'summaries',
  'thresholds',
  'drills',
  'findings',
  'notes',
] as const;

export function appendPart(record: RunRecord, part: RunRecordPart): RunRecord {
  for (const key of partKeys) {
    const items = part[key];
    if (items && items.length > 0) (record[key] as unknown[]).push(...items);
  }
  record.events.sort((a, b) => a.ts - b.ts);
  return record;
}
