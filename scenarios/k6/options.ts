import type { Scenario } from '../schema/scenario.ts';
import type { Suite } from '../suites.ts';

/** k6 wants durations as strings; a bare number in a rampart file means seconds. */
const dur = (d: string | number) => (typeof d === 'number' ? `${d}s` : d);
const stages = (s: Array<{ target: number; duration: string | number }>) => s.map((st) => ({ target: st.target, duration: dur(st.duration) }));

/** A k6 exec function name for a scenario ("concurrency-10k" → "concurrency_10k"). */
export const execName = (name: string) => `flow_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;

/** The k6 `options.scenarios[name]` entry for a rampart scenario. */
export function k6ScenarioOptions(s: Scenario): Record<string, unknown> {
  const exec = execName(s.name);
  switch (s.executor) {
    case 'constant-arrival-rate': {
      const maxVUs = s.maxVUs ?? Math.max(s.preAllocatedVUs ?? 0, s.connections ?? 0, 100);
      return { executor: s.executor, exec, rate: s.rate, timeUnit: dur(s.timeUnit), duration: dur(s.duration), preAllocatedVUs: s.preAllocatedVUs ?? Math.min(maxVUs, 50), maxVUs };
    }
    case 'ramping-arrival-rate': {
      const maxVUs = s.maxVUs ?? Math.max(s.preAllocatedVUs ?? 0, s.connections ?? 0, 100);
      return { executor: s.executor, exec, startRate: s.startRate, timeUnit: dur(s.timeUnit), preAllocatedVUs: s.preAllocatedVUs ?? Math.min(maxVUs, 50), maxVUs, stages: stages(s.stages) };
    }
    case 'constant-vus':
      return { executor: s.executor, exec, vus: s.vus, duration: dur(s.duration) };
    case 'ramping-vus':
      return { executor: s.executor, exec, startVUs: s.startVUs, stages: stages(s.stages) };
    case 'per-vu-iterations':
      return { executor: s.executor, exec, vus: s.vus, iterations: s.iterations, maxDuration: dur(s.maxDuration) };
  }
}

/**
 * k6 thresholds for the suite. k6 thresholds are global, so with several
 * scenarios an unfiltered key is scoped with {scenario:<name>}. rampart's own
 * `late_requests` metric has no k6 equivalent and is left out.
 */
export function k6Thresholds(suite: Suite): Record<string, Array<string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string }>> {
  const out: Record<string, Array<string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string }>> = {};
  const scoped = suite.scenarios.length > 1;
  for (const s of suite.scenarios) {
    for (const [key, list] of Object.entries(s.thresholds)) {
      if (key.startsWith('late_requests')) continue;
      const k = scoped && !key.includes('{') ? `${key}{scenario:${s.name}}` : key;
      out[k] = [...(out[k] ?? []), ...list.map((item) => (typeof item === 'string' ? item : {
        threshold: item.threshold,
        ...(item.abortOnFail !== undefined ? { abortOnFail: item.abortOnFail } : {}),
        ...(item.delayAbortEval !== undefined ? { delayAbortEval: dur(item.delayAbortEval) } : {}),
      }))];
    }
  }
  return out;
}

export function k6Options(suite: Suite): { scenarios: Record<string, Record<string, unknown>>; thresholds: ReturnType<typeof k6Thresholds> } {
  return {
    scenarios: Object.fromEntries(suite.scenarios.map((s) => [s.name, k6ScenarioOptions(s)])),
    thresholds: k6Thresholds(suite),
  };
}
