import type { ProcessControl } from '../../common/index.ts';

/**
 * A drill is data: what "healthy" means (the steady-state hypothesis), the
 * load to run throughout, the fault method (timed actions, each rolled back),
 * what must hold during and after the fault, and when to stop early.
 */
export type Profile = 'quick' | 'full';
export type Tag = 'read' | 'write' | 'all';
/** Path names in the fault proxy; mapped to the proxy's own names (default `postgres`, `redis`). */
export type ProxyPath = 'postgres' | 'redis';
export type Component = 'postgres' | 'redis' | 'worker';

/**
 * Metrics over the requests of a time window:
 * - availability: answered without a 5xx or a network error (4xx such as 429 count as available)
 * - success: answered 2xx
 * - p50/p95/p99/max: latency in ms (open model: from the intended start)
 * - timeouts: requests that got no answer within the request timeout (hung)
 * - fastFail: share of 5xx answers that are 503 with Retry-After (fail fast, tell the client when to come back)
 */
export type Metric = 'availability' | 'success' | 'p50' | 'p95' | 'p99' | 'max' | 'timeouts' | 'fastFail';

export interface Objective {
  name: string;
  tag: Tag;
  metric: Metric;
  op: '<=' | '>=';
  value: number;
}

export type FaultAction =
  | { kind: 'toxic'; path: ProxyPath; toxic: { type: string; stream?: 'upstream' | 'downstream' | 'both'; toxicity?: number; attributes: Record<string, number> } }
  | { kind: 'down'; path: ProxyPath }
  /** kill/stop are rolled back by restart (a worker: by waiting for the cluster to replace it); pause by resume. */
  | { kind: 'process'; component: Component; op: 'kill' | 'stop' | 'pause' };

export interface TimedAction {
  label: string;
  /** Seconds after the fault phase starts. */
  at: number;
  /** Seconds the fault stays before its rollback; per profile. */
  duration: Record<Profile, number>;
  action: FaultAction;
}

/** Named probes run during the fault (they answer with a check). */
export type ProbeName = 'rate-limit-enforced';

export interface StopCondition {
  objective: Objective;
  /** Evaluated over the last N seconds, every second, while faults are active. */
  windowSeconds: number;
}

/** The same objectives for every profile, or one list per profile (a quick run too short to show the full value states a weaker one). */
export type PerProfile<T> = T[] | Record<Profile, T[]>;

export interface DrillDefinition {
  name: string;
  title: string;
  description: string;
  steadyState: PerProfile<Objective>;
  load: { rate: Record<Profile, number>; writeFraction: number };
  /** Seconds of steady state verified before the fault, and of the window judged after recovery. */
  steadySeconds: Record<Profile, number>;
  observeSeconds: Record<Profile, number>;
  method: PerProfile<TimedAction>;
  probes?: { at: number; probe: ProbeName }[];
  /** Checked over the fault window (from 1 s after the fault phase starts to the first rollback). */
  during: PerProfile<Objective>;
  /** Checked over the window after recovery. */
  after: PerProfile<Objective>;
  /** The steady state must hold again within this many seconds of the rollback. */
  recoverWithinSeconds: number;
  stopConditions: StopCondition[];
}

/** One request's outcome, as the drill observes it (one per logical request; retries are inside it). */
export interface Observation {
  /** Intended start, epoch ms. */
  ts: number;
  /** other: an arrival the generator dropped (never sent), counted in no read/write tag, as in the samples. */
  tag: 'read' | 'write' | 'other';
  name: string;
  /** HTTP status; 0 when no response (network error, timeout). */
  status: number;
  latencyMs: number;
  timedOut: boolean;
  retryAfter: boolean;
  attempts: number;
}

/** What a fault does to one process of the system under test (a managed stack's process control has this shape). */
export type FaultableProcess = ProcessControl;

/**
 * What a drill needs from the system under test, declared here so drills sit beside the stack
 * without importing it (chaos/ and stack/ are siblings under session/).
 */
export interface FaultTarget {
  targetUrl: string;
  postgresUrl: string;
  proxyUrl: string | null;
  proxies: { postgres: string; redis: string } | null;
  control(component: Component): FaultableProcess;
}

/** The managed stack, as a drill sees it. */
export type DrillStack = FaultTarget;

export interface DrillProgress {
  (line: string): void;
}

export interface RunDrillOptions {
  stack?: DrillStack;
  target?: string;
  toxiproxyUrl?: string;
  /** Names of the proxies in an external Toxiproxy (default postgres, redis). */
  proxyNames?: Partial<Record<ProxyPath, string>>;
  /** PostgreSQL to reconcile writes against when not on the managed stack. */
  databaseUrl?: string;
  profile: Profile;
  signal: AbortSignal;
  progress?: DrillProgress;
  /** Overrides the drill's load rate (tests on a busy machine). */
  rate?: number;
}
