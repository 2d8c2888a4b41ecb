import { describe, expect, it } from 'vitest';
import { parseDuration } from '../common/index.ts';
import { RateSchedule } from './executors/rate-schedule.ts';
import type { Scenario } from './schema/scenario.ts';
import { listSuites, loadSuite } from './suites.ts';
import { parseThresholdKey, parseThresholdExpression } from './thresholds/parse.ts';

/** How much more a bundled suite must plan than its thresholds need to conclude (as the drills: chaos/drills/sizing.ts). */
const MARGIN = 1.5;

/** Arrivals an open-model scenario plans (k6's timetable); null for a closed model (its rate depends on the target). */
function plannedArrivals(s: Scenario): number | null {
  const unit = 'timeUnit' in s && s.timeUnit !== undefined ? parseDuration(s.timeUnit) : 1000;
  if (s.executor === 'constant-arrival-rate')
    return new RateSchedule(s.rate, [{ target: s.rate, durationMs: parseDuration(s.duration) }], unit).total;
  if (s.executor === 'ramping-arrival-rate') {
    const stages = s.stages.map((st) => ({ target: st.target, durationMs: parseDuration(st.duration) }));
    return new RateSchedule(s.startRate ?? 0, stages, unit).total;
  }
  return null;
}

/** Requests of one iteration (all of them, or those tagged `tag`), over the flows by weight. */
function perIteration(s: Scenario, tag?: string): number {
  const total = s.flows.reduce((a, f) => a + (f.weight ?? 1), 0);
  // A parsed flow's steps are flat (a batch's and a group's steps carry their batch and group).
  const steps = (list: Scenario['flows'][number]['steps']): number =>
    list.reduce((n, st) => n + (tag === undefined || st.name === tag ? (st.repeat ?? 1) : 0), 0);
  return s.flows.reduce((a, f) => a + ((f.weight ?? 1) / total) * steps(f.steps), 0);
}

/** Requests a flawless run needs for its threshold to conclude at 95 %: zero failures (Clopper–Pearson) or an order statistic. */
function needed(metric: string, expression: string): number | null {
  const e = parseThresholdExpression(expression, metric);
  if (metric === 'http_req_failed' && e.aggregation === 'rate' && (e.op === '<' || e.op === '<='))
    return Math.ceil(Math.log(0.05) / Math.log(1 - e.value));
  if (metric === 'checks' && e.aggregation === 'rate' && (e.op === '>' || e.op === '>=') && e.value < 1)
    return Math.ceil(Math.log(0.05) / Math.log(e.value));
  if (metric === 'http_req_duration' && (e.aggregation === 'p' || e.aggregation === 'med')) {
    const p = (e.percentile ?? 50) / 100;
    return Math.ceil(Math.log(0.05) / Math.log(p));
  }
  return null;
}

function plans(suite: string, profile: 'quick' | 'full') {
  const rows: Array<{ what: string; planned: number; needed: number }> = [];
  for (const s of loadSuite(suite, profile).scenarios) {
    const arrivals = plannedArrivals(s);
    if (arrivals === null) continue;
    for (const [key, list] of Object.entries(s.thresholds ?? {})) {
      const k = parseThresholdKey(key);
      if (k.tag && k.tag.key !== 'name' && !(k.tag.key === 'scenario' && k.tag.value === s.name)) continue;
      for (const item of list) {
        const expression = typeof item === 'string' ? item : item.threshold;
        const need = needed(k.metric, expression);
        if (need === null) continue;
        const planned = Math.floor(arrivals * perIteration(s, k.tag?.key === 'name' ? k.tag.value : undefined));
        rows.push({ what: `${suite} (${profile}) ${s.name}: ${key} ${expression}`, planned, needed: need });
      }
    }
  }
  return rows;
}

describe('the bundled suites plan the requests their thresholds need, with margin', () => {
  for (const suite of listSuites())
    for (const profile of ['quick', 'full'] as const)
      it(`${suite} (${profile}): every open-model threshold plans ≥ ${MARGIN}× the requests a flawless run needs to conclude`, () => {
        const short = plans(suite, profile)
          .filter((r) => r.planned < MARGIN * r.needed)
          .map((r) => `${r.what}: plans ${r.planned}, needs ${r.needed} (${(r.planned / r.needed).toFixed(2)}×)`);
        expect(short).toEqual([]);
      });

  it('needs what the verdicts ask for: 2,995 clean requests for < 0.1 % (the full login storm of 30 s planned 1,652), 299 for < 1 %, 59 for a p95', () => {
    expect(needed('http_req_failed', 'rate<0.001')).toBe(2995);
    expect(needed('http_req_duration', 'p(95)<200')).toBe(59);
    expect(needed('http_req_failed', 'rate<0.01')).toBe(299);
  });
});
