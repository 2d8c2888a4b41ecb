import { parseDuration } from '../../common/index.ts';
import type { Scenario } from '../schema/scenario.ts';
import type { Suite } from '../suites.ts';

/**
 * A suite's k6 `options`: scenarios with executors, stages, startTime and gracefulStop, and thresholds,
 * so that the script runs under k6 as the suite runs under rampart. Where k6 cannot say the same thing,
 * `notExported` says what differs.
 */

/** k6 reads a bare number as milliseconds; a rampart file means seconds ("30" and 30 are 30 s). */
export const dur = (d: string | number) =>
  typeof d === 'number' || /^\s*\d+(\.\d+)?\s*$/.test(d) ? `${Number(d)}s` : d.trim();
const msText = (ms: number) => `${Math.round(ms)}ms`;

/** k6 exec function names, one per scenario, unique even when two names sanitise alike ("a-b" and "a_b"). */
export function execNames(suite: Suite): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const s of suite.scenarios) {
    const base = `flow_${s.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    out.set(s.name, name);
  }
  return out;
}

/** A k6 exec function name for a scenario of a one-scenario suite ("concurrency-10k" → "flow_concurrency_10k"). */
export const execName = (name: string) => `flow_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;

/** How long a scenario's load lasts (its executor's duration, stages or maxDuration), ms. */
export function loadMs(s: Scenario): number {
  switch (s.executor) {
    case 'constant-arrival-rate':
    case 'constant-vus':
      return parseDuration(s.duration);
    case 'ramping-arrival-rate':
    case 'ramping-vus':
      return s.stages.reduce((a, st) => a + parseDuration(st.duration), 0);
    case 'per-vu-iterations':
    case 'shared-iterations':
      return parseDuration(s.maxDuration);
  }
}

/**
 * k6 wants whole iterations per timeUnit: a fractional rate (0.5/s, 2.5/s) becomes whole iterations
 * over a longer timeUnit (1 per 2 s, 5 per 2 s). Returns the factor to multiply rates and the timeUnit by.
 */
export function rateFactor(rates: number[]): { factor: number; exact: boolean } {
  for (let k = 1; k <= 1000; k++)
    if (rates.every((r) => Math.abs(r * k - Math.round(r * k)) < 1e-9)) return { factor: k, exact: true };
  return { factor: 1000, exact: false };
}

export interface K6ScenarioPlan {
  options: Record<string, unknown>;
  notes: string[];
}

/** The k6 `options.scenarios[name]` entry for a rampart scenario starting at startMs into the test. */
export function k6ScenarioOptions(s: Scenario, exec = execName(s.name), startMs = 0): K6ScenarioPlan {
  const notes: string[] = [];
  // An iteration in flight at the end may finish within one request timeout, as in rampart; then the next scenario starts.
  // gracefulStop as the suite gives it; otherwise one request timeout, as rampart lets requests in flight finish.
  const grace = s.gracefulStop !== undefined ? dur(s.gracefulStop) : msText(parseDuration(s.requestTimeout));
  const common = {
    exec,
    ...(startMs > 0 ? { startTime: msText(startMs) } : {}),
    gracefulStop: grace,
    ...(s.tags ? { tags: s.tags } : {}),
    ...(s.env ? { env: s.env } : {}),
  };
  switch (s.executor) {
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': {
      const maxVUs = s.maxVUs ?? Math.max(s.preAllocatedVUs ?? 0, s.connections ?? 0, 100);
      const vus = { preAllocatedVUs: s.preAllocatedVUs ?? Math.min(maxVUs, 50), maxVUs };
      const rates =
        s.executor === 'constant-arrival-rate' ? [s.rate] : [s.startRate, ...s.stages.map((st) => st.target)];
      const { factor, exact } = rateFactor(rates);
      if (!exact)
        notes.push(
          `${s.name}: rates ${rates.join(', ')} have no whole count per timeUnit up to 1000 × ${dur(s.timeUnit)}; rounded to whole iterations per ${factor} × ${dur(s.timeUnit)}`,
        );
      const timeUnit = factor === 1 ? dur(s.timeUnit) : msText(parseDuration(s.timeUnit) * factor);
      const whole = (r: number) => Math.round(r * factor);
      if (s.executor === 'constant-arrival-rate')
        return {
          notes,
          options: {
            executor: s.executor,
            ...common,
            rate: whole(s.rate),
            timeUnit,
            duration: dur(s.duration),
            ...vus,
          },
        };
      return {
        notes,
        options: {
          executor: s.executor,
          ...common,
          startRate: whole(s.startRate),
          timeUnit,
          ...vus,
          stages: s.stages.map((st) => ({ target: whole(st.target), duration: dur(st.duration) })),
        },
      };
    }
    case 'constant-vus':
      return { notes, options: { executor: s.executor, ...common, vus: s.vus, duration: dur(s.duration) } };
    case 'ramping-vus':
      return {
        notes,
        options: {
          executor: s.executor,
          ...common,
          gracefulRampDown: grace,
          startVUs: s.startVUs,
          stages: s.stages.map((st) => ({ target: st.target, duration: dur(st.duration) })),
        },
      };
    case 'per-vu-iterations':
    case 'shared-iterations':
      return {
        notes,
        options: {
          executor: s.executor,
          ...common,
          vus: s.vus,
          iterations: s.iterations,
          maxDuration: dur(s.maxDuration),
        },
      };
  }
}

type K6Threshold = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };

/**
 * k6 thresholds for the suite, each scoped to its scenario (k6 judges thresholds over the whole test,
 * setup() requests included; rampart judges a scenario's thresholds over that scenario alone):
 * `http_req_duration` → `http_req_duration{scenario:load}`, `{name:GET /x}` (or rampart's `{tag:…}`)
 * → `{scenario:load,name:GET /x}`. rampart's own `late_requests` has no k6 equivalent and is left out.
 */
export function k6Thresholds(suite: Suite): Record<string, K6Threshold[]> {
  const out: Record<string, K6Threshold[]> = {};
  for (const s of suite.scenarios) {
    for (const [key, list] of Object.entries(s.thresholds)) {
      if (key.startsWith('late_requests')) continue;
      const m = /^([^{]+)(?:\{([^:]+):(.*)\})?$/s.exec(key.trim());
      const metric = (m?.[1] ?? key).trim();
      const tagKey = m?.[2]?.trim();
      const tagValue = m?.[3]?.trim();
      const k =
        tagKey === undefined
          ? `${metric}{scenario:${s.name}}`
          : tagKey === 'scenario'
            ? key.trim()
            : `${metric}{scenario:${s.name},${tagKey === 'tag' ? 'name' : tagKey}:${tagValue}}`;
      out[k] = [
        ...(out[k] ?? []),
        ...list.map((item) =>
          typeof item === 'string'
            ? item
            : {
                threshold: item.threshold,
                ...(item.abortOnFail !== undefined ? { abortOnFail: item.abortOnFail } : {}),
                ...(item.delayAbortEval !== undefined ? { delayAbortEval: dur(item.delayAbortEval) } : {}),
              },
        ),
      ];
    }
  }
  return out;
}

/** setup() logs users in one request at a time: allow it the time every request would take at its timeout (k6's default is 60 s). */
export function setupTimeoutMs(suite: Suite): number {
  let total = 0;
  for (const s of suite.scenarios) {
    const u = s.setup?.users;
    if (u) total += u.count * u.steps.reduce((a, st) => a + st.repeat, 0) * parseDuration(s.requestTimeout);
  }
  return Math.max(60_000, total);
}

export interface K6OptionsPlan {
  options: {
    scenarios: Record<string, Record<string, unknown>>;
    thresholds: Record<string, K6Threshold[]>;
    setupTimeout: string;
    maxRedirects: number;
  };
  notes: string[];
}

/** Whether the suite's scenarios overlap at their own startTime (as k6 runs them) rather than run one after another. */
export const overlapping = (suite: Suite) => suite.scenarios.some((s) => s.startTime !== undefined);

/**
 * The whole `options`: scenarios one after another (startTime), as rampart runs a suite's scenarios in
 * order; or, when the suite gives startTimes, each at its own, as rampart then runs them.
 */
export function k6OptionsPlan(suite: Suite): K6OptionsPlan {
  const names = execNames(suite);
  const scenarios: Record<string, Record<string, unknown>> = {};
  const notes: string[] = [];
  const own = overlapping(suite);
  let start = 0;
  for (const s of suite.scenarios) {
    const plan = k6ScenarioOptions(s, names.get(s.name), own ? parseDuration(s.startTime ?? 0) : start);
    scenarios[s.name] = plan.options;
    notes.push(...plan.notes);
    start +=
      loadMs(s) + (s.gracefulStop !== undefined ? parseDuration(s.gracefulStop) : parseDuration(s.requestTimeout));
  }
  // k6's maxRedirects is one for the whole test: the most any scenario follows (said when they differ).
  const redirects = [...new Set(suite.scenarios.map((s) => s.maxRedirects))];
  const maxRedirects = Math.max(...redirects);
  if (redirects.length > 1)
    notes.push(
      `maxRedirects differs between scenarios (${suite.scenarios.map((s) => `${s.name}: ${s.maxRedirects}`).join(', ')}): k6 has one for the whole test, ${maxRedirects} here`,
    );
  return {
    options: { scenarios, thresholds: k6Thresholds(suite), setupTimeout: msText(setupTimeoutMs(suite)), maxRedirects },
    notes,
  };
}

export function k6Options(suite: Suite): K6OptionsPlan['options'] {
  return k6OptionsPlan(suite).options;
}
