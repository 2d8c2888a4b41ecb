import { parseDuration } from '../../common/index.ts';
import type { Scenario } from '../schema/scenario.ts';
import type { Suite } from '../suites.ts';
import type { K6ScenarioPlan } from '../executors/definition.ts';
import { definitionOf } from '../executors/registry.ts';
import { dur, msText } from './units.ts';

/**
 * A suite's k6 `options`: scenarios with executors, stages, startTime and gracefulStop, and thresholds,
 * so that the script runs under k6 as the suite runs under rampart. Where k6 cannot say the same thing,
 * `notExported` says what differs.
 */

export { dur, rateFactor } from './units.ts';
export type { K6ScenarioPlan } from '../executors/definition.ts';

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
  return definitionOf(s).loadMs(s);
}

/** The k6 `options.scenarios[name]` entry for a rampart scenario starting at startMs into the test. */
export function k6ScenarioOptions(s: Scenario, exec = execName(s.name), startMs = 0): K6ScenarioPlan {
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
  return definitionOf(s).k6(s, { name: s.name, common, grace });
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
