import type { EngineSample, Sample, ScenarioSummary } from '../../reports/index.ts';
import { getPath, runScenario, type ResponseInfo, type Scenario } from '../../scenarios/index.ts';
import type { ReconcileEntry, WriteId } from './file/schema.ts';
import type { Observation } from './types.ts';

/**
 * The drill's load: the drill file's suite scenario, run by the project's load engine (scenarios/
 * runScenario) until the drill stops it — its setup phase, flows, retries and users as the suite says.
 * Each response becomes one Observation (retries are inside it; it counts as hung only when its last
 * attempt was); each write a reconcile entry names that was answered 2xx is remembered with its id.
 * Samples and the generator's own health series come from the engine's run-record part.
 */
export interface DrillLoadOptions {
  baseUrl: URL;
  scenario: Scenario;
  reconcile: readonly ReconcileEntry[];
  /** Overrides the scenario's arrival rate. */
  rate?: number;
  /** Aborted on Ctrl-C: the load (its setup included) is cancelled. */
  signal?: AbortSignal;
}

/** A write the target acknowledged (2xx): the id that reconciliation reads back, and when (epoch ms). */
export interface AckedWrite {
  writes: string;
  id: string;
  at: number;
}

export interface DrillLoad {
  readonly observations: Observation[];
  readonly acknowledged: AckedWrite[];
  /** Acknowledged writes whose answer held no id where the drill file says (they cannot be read back). */
  readonly unidentified: Map<string, number>;
  readonly attempts: { total: number; retried: number };
  /** Resolves once the load sends (its setup phase done); rejects when the setup fails. */
  readonly started: Promise<void>;
  /** Stops starting requests, waits for those in flight, and returns what the engine measured (its summary says whether the measurement is valid). */
  stop(): Promise<{ samples: Sample[]; engine: EngineSample[]; summaries: ScenarioSummary[]; notes: string[] }>;
}

/** The id of an acknowledged write, from where the drill file says; null when it is not there. */
export function writeId(spec: WriteId, info: ResponseInfo): string | null {
  let v: unknown;
  if ('json' in spec) v = getPath(info.body, spec.json);
  else if ('header' in spec) v = info.headers[spec.header.toLowerCase()];
  else if ('requestJson' in spec) v = getPath(info.requestBody, spec.requestJson);
  else v = info.requestHeaders[spec.requestHeader.toLowerCase()] ?? info.requestHeaders[spec.requestHeader];
  if (Array.isArray(v)) v = v[0];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

export function startDrillLoad(options: DrillLoadOptions): DrillLoad {
  const observations: Observation[] = [];
  const acknowledged: AckedWrite[] = [];
  const unidentified = new Map<string, number>();
  const attempts = { total: 0, retried: 0 };
  const stopping = new AbortController();
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const byTag = new Map(options.reconcile.map((r) => [r.writes, r]));

  const onResponse = (info: ResponseInfo) => {
    attempts.total += info.attempts;
    attempts.retried += info.attempts - 1;
    const status = info.status ?? 0;
    const ts = performance.timeOrigin + performance.now() - info.latencyMs;
    observations.push({
      ts,
      name: info.tag,
      status,
      latencyMs: info.latencyMs,
      timedOut: info.errorKind === 'timeout',
      retryAfter: info.headers['retry-after'] !== undefined,
      attempts: info.attempts,
    });
    const rec = byTag.get(info.tag);
    if (rec && status >= 200 && status < 300) {
      const id = writeId(rec.id, info);
      if (id === null) unidentified.set(info.tag, (unidentified.get(info.tag) ?? 0) + 1);
      else acknowledged.push({ writes: info.tag, id, at: Math.round(ts + info.latencyMs) });
    }
  };
  // An arrival the generator could not send in time counts against the target as a hang (under `all`).
  const onDropped = (ts: number) => {
    if (!stopping.signal.aborted)
      observations.push({
        ts,
        name: 'dropped',
        status: 0,
        latencyMs: 0,
        timedOut: true,
        retryAfter: false,
        attempts: 0,
      });
  };
  const scenario =
    options.rate === undefined || options.scenario.executor !== 'constant-arrival-rate'
      ? options.scenario
      : ({ ...options.scenario, rate: options.rate, timeUnit: '1s' } as Scenario);
  const running = runScenario(scenario, {
    baseUrl: options.baseUrl,
    stop: stopping.signal,
    onResponse,
    onDropped,
    ...(options.signal ? { signal: options.signal } : {}),
    onStarted: () => markStarted(),
  });
  running.catch(() => undefined); // reported by started and stop()

  return {
    observations,
    acknowledged,
    unidentified,
    attempts,
    started: Promise.race([started, running.then(() => undefined)]),
    async stop() {
      stopping.abort();
      try {
        const { part, summary } = await running;
        const notes = summary.valid
          ? []
          : [`the drill load's measurement is INVALID: ${summary.invalidReasons.join('; ')}`];
        return { samples: part.samples ?? [], engine: part.engine ?? [], summaries: [summary], notes };
      } catch (err) {
        return {
          samples: [],
          engine: [],
          summaries: [],
          notes: [`the drill load stopped with an error: ${(err as Error).message}`],
        };
      }
    },
  };
}
