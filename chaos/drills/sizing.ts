import { parseDuration } from '../../common/index.ts';
import { minSamplesForQuantile, requestsNeeded } from '../../reports/index.ts';
import type { Drill, Objective } from './types.ts';

/**
 * How many requests each window of a drill is planned to carry against how many its objectives need, before
 * anything runs: a drill sized at the edge of what its objectives need turns INCONCLUSIVE on a slower machine
 * (the generator falls behind, fewer writes fail inside the window). `MARGIN` is the factor every bundled
 * drill holds (chaos/drills/sizing.test.ts), so a machine a third slower still concludes.
 */
export const MARGIN = 1.5;

export type Phase = 'steady' | 'during' | 'after';

export interface WindowPlan {
  phase: Phase;
  objective: string;
  tag: string;
  /** Requests of the tag the window is planned to hold (whole seconds it is sure to span × the tag's rate); null for a closed-model load. */
  planned: number | null;
  /** Requests a flawless window needs for the objective to conclude (1 where no statistic is involved). */
  needed: number;
  /** planned / needed; null when nothing can be planned. */
  ratio: number | null;
}

/**
 * Requests a window with no failure needs: a ratio "at least v" needs the Clopper–Pearson bound of 0 failures
 * in n above v (299 for 99 %, 59 for 95 %); "pN within x" needs the order statistic bounding pN (59 for p95,
 * 299 for p99). Counts and maxima, and "at most" objectives, conclude on any request.
 */
export function requestsToConclude(o: Objective): number {
  switch (o.metric) {
    case 'availability':
    case 'success':
    case 'fastFail':
      return o.op === '>=' ? (requestsNeeded(0, 0, 1 - o.value) ?? 1) : 1;
    case 'p50':
    case 'p95':
    case 'p99':
      return o.op === '<=' ? minSamplesForQuantile(Number(o.metric.slice(1)) / 100) : 1;
    default:
      return 1;
  }
}

/**
 * Whole seconds each window is sure to span (runner.ts aligns windows to whole seconds inward): the steady
 * state loses up to 1 s to alignment; the during window starts 1 s after the first injection and loses up to
 * 1 s more; the after window holds the observed seconds.
 */
export function windowSeconds(drill: Drill): Record<Phase, number> {
  const start = Math.min(...drill.method.map((a) => a.at));
  const end = Math.max(...drill.method.map((a) => a.at + a.duration));
  return {
    steady: Math.max(0, drill.steadySeconds - 1),
    during: Math.max(0, end - start - 2),
    after: drill.observeSeconds,
  };
}

/** Requests per second of a tag (a request tag, one of the drill's groups, or `all`) under the drill's load; null for a closed model. */
export function tagRate(drill: Drill, tag: string): number | null {
  const s = drill.load.scenario;
  if (s.executor !== 'constant-arrival-rate') return null;
  const iterationsPerSecond = s.rate / (parseDuration(s.timeUnit) / 1000);
  const names = tag === 'all' ? null : new Set(drill.groups[tag] ?? [tag]);
  const totalWeight = s.flows.reduce((sum, f) => sum + f.weight, 0);
  let perIteration = 0;
  for (const f of s.flows) {
    const requests = f.steps
      .filter((st) => !names || names.has(st.name ?? `${st.method} ${st.path}`))
      .reduce((n, st) => n + st.repeat, 0);
    perIteration += (f.weight / totalWeight) * requests;
  }
  return iterationsPerSecond * perIteration;
}

/** Every window objective of a drill with the requests planned for it and the requests it needs. */
export function planDrill(drill: Drill): WindowPlan[] {
  const seconds = windowSeconds(drill);
  const windows: Array<[Phase, Objective[]]> = [
    ['steady', drill.steadyState],
    ['during', drill.during],
    ['after', drill.after],
  ];
  return windows.flatMap(([phase, objectives]) =>
    objectives.map((o) => {
      const rate = tagRate(drill, o.tag);
      const planned = rate === null ? null : Math.floor(rate * seconds[phase]);
      const needed = requestsToConclude(o);
      return {
        phase,
        objective: o.name,
        tag: o.tag,
        planned,
        needed,
        ratio: planned === null ? null : planned / needed,
      };
    }),
  );
}

/** The plans below MARGIN, as lines naming the window, the objective and both counts. */
export function undersized(drill: Drill, margin = MARGIN): string[] {
  return planDrill(drill)
    .filter((p) => p.ratio !== null && p.ratio < margin)
    .map(
      (p) =>
        `${drill.name} (${drill.profile}) ${p.phase}: "${p.objective}" plans ${p.planned} ${p.tag} requests, needs ${p.needed} (${p.ratio!.toFixed(2)}× < ${margin}×)`,
    );
}

/**
 * docs/chaos.md's sizing table: per drill and profile, each window's whole seconds and its tightest objective
 * (planned requests / needed, and the ratio). chaos/write-sizing-table.ts writes it; sizing.test.ts keeps it current.
 */
export function sizingTable(drills: readonly Drill[]): string {
  const cell = (d: Drill, phase: Phase) => {
    const plans = planDrill(d).filter((p) => p.phase === phase && p.ratio !== null);
    if (plans.length === 0) return '—';
    const tightest = plans.reduce((a, b) => (b.ratio! < a.ratio! ? b : a));
    return `${windowSeconds(d)[phase]} s: ${tightest.planned} / ${tightest.needed} ${tightest.tag} (${tightest.ratio!.toFixed(2)}×)`;
  };
  const rows = drills.map(
    (d) =>
      `| ${d.name} | ${d.profile} | ${d.load.scenario.executor === 'constant-arrival-rate' ? d.load.scenario.rate : '—'} | ${cell(d, 'steady')} | ${cell(d, 'during')} | ${cell(d, 'after')} |`,
  );
  return [
    '| drill | profile | req/s | steady state | during the fault | after recovery |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * The notes a drill run carries when its file plans a window under the margin (any drill file, the user's own
 * included): the run goes ahead — the window may still conclude — but the record says why it may not.
 * `rate` is a rate override of the run (RunDrillOptions.rate).
 */
export function sizingNotes(drill: Drill, rate?: number): string[] {
  const s = drill.load.scenario;
  const planned =
    rate !== undefined && s.executor === 'constant-arrival-rate'
      ? ({ ...drill, load: { ...drill.load, scenario: { ...s, rate, timeUnit: '1s' } } } as Drill)
      : drill;
  return undersized(planned).map(
    (line) => `${line}: a slower machine may leave it INCONCLUSIVE; lengthen the window or raise load.rate`,
  );
}
