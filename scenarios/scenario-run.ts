/** What the phases of one scenario's run (scenarios/engine.ts) share, and what the load phase leaves for the rest. */
import type { RunEvent, RunRecordPart } from '../reports/index.ts';
import type { Scenario } from './schema/scenario.ts';
import type { parseThresholds } from './thresholds/parse.ts';
import type { Aggregator } from './metrics/aggregator.ts';
import type { CompiledFlow } from './flow/compile.ts';
import type { SelfCheck } from './self-check.ts';
import type { Progress } from './progress.ts';
import type { ExecutorStats, RunningExecutor } from './executors/start.ts';
import type { RunScenarioOptions } from './engine.ts';

export const epochNow = () => performance.timeOrigin + performance.now();

/** What the phases of one scenario's run share: its inputs, its signals, and what each phase leaves for the next. */
export interface ScenarioRun {
  scenario: Scenario;
  options: RunScenarioOptions;
  url: URL;
  /** The target's path prefix, put before every step's path. */
  prefix: string;
  thresholds: ReturnType<typeof parseThresholds>;
  timeoutMs: number;
  graceMs: number | null;
  runId: string;
  events: RunEvent[];
  notes: string[];
  // cancel: stop everything now (interrupt, abortOnFail); stop: start no new requests (end of duration);
  // interrupt: cancel the requests in flight (cancel, or the end of gracefulStop).
  cancel: AbortController;
  stop: AbortController;
  interrupt: AbortController;
  abortReason: string | undefined;
  onOuterAbort: () => void;
  onOuterStop: () => void;
  flows: CompiledFlow[];
  pick: () => CompiledFlow;
  /** The users the load runs as: the caller's or the scenario's, replaced by the setup phase's. */
  users: Array<Record<string, unknown>>;
  /** What the load phase measured (set by it). */
  load: LoadOutcome | null;
}

/** What the load phase leaves for the teardown and the result. */
export interface LoadOutcome {
  open: boolean;
  maxVUs: number;
  openConnections: number;
  agg: Aggregator;
  self: SelfCheck;
  selfStats: ReturnType<SelfCheck['stop']>;
  exec: RunningExecutor;
  execStats: ExecutorStats;
  startedAt: number;
  endedAt: number;
  /** The time the load's iterations were started over, ms. */
  mainMs: number;
  engine: NonNullable<RunRecordPart['engine']>;
  progress: Progress;
  progressState: (elapsed: number) => Parameters<Progress['update']>[0];
  unsentArrivals: number;
  failedChecks: Record<string, number>;
  templateErrors: Record<string, number>;
  graceOver: boolean;
}
