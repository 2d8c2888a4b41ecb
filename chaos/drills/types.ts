import type { ProcessControl, Profile } from '../../common/index.ts';
import type { DrillObjective } from '../../reports/index.ts';
import type { Scenario } from '../../scenarios/index.ts';
import type { ProbeEntry, ReconcileEntry } from './file/schema.ts';
import type { FaultAction } from './faults/registry.ts';

/**
 * An objective over the requests of a window whose tag is a request tag, a group of the drill, or `all`.
 * Metrics: availability (answered without a 5xx or a network error; a 4xx such as 429 is available),
 * success (2xx), p50/p95/p99/max latency in ms (open model: from the intended start), timeouts (requests
 * without an answer within the request timeout), fastFail (share of failures that are 503 with Retry-After).
 */
export type Objective = DrillObjective;
export type Metric = Objective['metric'];

export interface TimedAction {
  label: string;
  /** Seconds after the fault phase starts. */
  at: number;
  /** Seconds the fault stays before its rollback. */
  duration: number;
  action: FaultAction;
}

export interface StopCondition {
  objective: Objective;
  /** Evaluated over the last N seconds, every second, while faults are active. */
  windowSeconds: number;
}

export interface Probe extends Omit<ProbeEntry, 'at'> {
  /** Seconds after the fault phase starts. */
  at: number;
}

/**
 * A drill is data, loaded from a drill file (file/load-drill.ts) for one profile: what "healthy" means
 * (the steady-state hypothesis), the load to run throughout, the fault method (timed actions, each
 * rolled back), what must hold during and after the fault, when to stop early, and how acknowledged
 * writes are read back.
 */
export interface Drill {
  name: string;
  title: string;
  description: string;
  /** The drill file it was loaded from. */
  file: string;
  profile: Profile;
  /** The load that runs throughout: one scenario of a suite file, its duration bounding a drill that is never stopped. */
  load: { suite: string; scenario: Scenario; warmUpSeconds: number };
  /** What a managed stack must be started with for this drill: its load suite's stack.targetEnv (ignored with --target). */
  stack: { targetEnv: Record<string, string> };
  /** Named sets of request tags (read, write…), usable as an objective's tag; the run record keeps them. */
  groups: Record<string, string[]>;
  steadySeconds: number;
  steadyState: Objective[];
  method: TimedAction[];
  during: Objective[];
  /** Seconds of the window judged after recovery. */
  observeSeconds: number;
  after: Objective[];
  recoverWithinSeconds: number;
  stopConditions: StopCondition[];
  probes: Probe[];
  reconcile: ReconcileEntry[];
}

/** One request's outcome, as the drill observes it (one per logical request; retries are inside it). */
export interface Observation {
  /** Intended start, epoch ms. */
  ts: number;
  /** The request tag; "dropped" for an arrival the generator never sent. */
  name: string;
  /** HTTP status; 0 when no response (network error, timeout, dropped). */
  status: number;
  latencyMs: number;
  timedOut: boolean;
  retryAfter: boolean;
  /** 0 for an arrival the generator dropped (never sent). */
  attempts: number;
}

/** What a fault does to one process of the system under test (a managed stack's process control has this shape). */
export type FaultableProcess = ProcessControl;
export type Component = 'postgres' | 'redis' | 'worker';

/**
 * What a drill needs from the managed stack, declared here so drills sit beside the stack
 * without importing it (chaos/ and stack/ are siblings under session/).
 */
export interface DrillStack {
  targetUrl: string;
  postgresUrl: string;
  /** The stack's Toxiproxy API (its fault proxy), and the proxies on it by the names drill files use. */
  proxyUrl: string | null;
  proxies: Record<string, string> | null;
  control(component: Component): FaultableProcess;
}

export interface DrillProgress {
  (line: string): void;
}

export interface RunDrillOptions {
  stack?: DrillStack;
  /** A target someone else runs, parsed where it entered (--target). */
  target?: URL;
  toxiproxyUrl?: string;
  /** Proxy names as drill files write them → names on the given Toxiproxy (`--proxy-name postgres=pg`). */
  proxyNames?: Record<string, string>;
  /** PostgreSQL to reconcile writes against (sql reconciliation) when not on the managed stack. */
  databaseUrl?: string;
  signal: AbortSignal;
  progress?: DrillProgress;
  /** Overrides the drill's load rate (tests on a busy machine). */
  rate?: number;
}
