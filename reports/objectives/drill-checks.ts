import { createLatencyHistogram, decodeHistogram, type LatencyHistogram } from '../histogram.ts';
import type { DrillObjective, DrillResult, Outcome, RunRecord, Sample } from '../run-record.ts';
import { judgePercentile, judgeRatio } from '../statistics.ts';
import { overallOutcome } from './verdict.ts';
import { doubted, measurementDoubt } from './load.ts';

/**
 * Drill checks judged from the run record: each window the drill recorded
 * (steady state, during the fault, after recovery) with the objectives it was
 * held to, recomputed from the drill's samples — so `rampart report run.json
 * --slo other.yaml` re-judges drills, and the drill runner calls the same
 * functions on the same data. Ratio metrics use the Clopper–Pearson bound and
 * percentiles the order-statistic bound (statistics.ts): a window with too few
 * requests to show its objective is inconclusive, not passed.
 */

/** What one window's requests add up to. Built from samples (reports) or from live observations (drill stop conditions). */
export interface WindowStats {
  count: number;
  /** Answered 2xx. */
  ok2xx: number;
  /** 5xx answers plus requests without an answer (refused, reset, timeout, dropped). */
  serverErrors: number;
  /** Requests that got no answer within the request timeout. */
  timeouts: number;
  /** 503 answers that carried Retry-After. */
  retryAfter503: number;
  hist: LatencyHistogram;
}

export interface CheckJudgement {
  name: string;
  outcome: Outcome;
  ok: boolean;
  detail: string;
  value: number | null;
  /** Where a drill check comes from: a window recomputed from samples (steady-state, window) or a recorded fact. */
  source?: NonNullable<DrillResult['checks'][number]['source']>;
}

export function emptyWindowStats(): WindowStats {
  return { count: 0, ok2xx: 0, serverErrors: 0, timeouts: 0, retryAfter503: 0, hist: createLatencyHistogram() };
}

/** Adds one sample (a tag's second) to window stats. */
export function addSample(w: WindowStats, s: Sample): void {
  w.count += s.count;
  w.ok2xx += s.status['2xx'];
  w.serverErrors += s.status['5xx'] + s.status.net;
  // No answer within the timeout, or never sent because every connection was taken by earlier requests (dropped).
  w.timeouts += (s.codes.timeout ?? 0) + (s.codes.dropped ?? 0);
  w.retryAfter503 += s.retryAfter503;
  if (s.latency) {
    const h = decodeHistogram(s.latency);
    w.hist.add(h);
    h.destroy();
  }
}

const fmtPct = (v: number) => `${(v * 100).toFixed(2)} %`;
const fmt = (metric: DrillObjective['metric'], v: number) =>
  metric === 'availability' || metric === 'success' || metric === 'fastFail'
    ? fmtPct(v)
    : metric === 'timeouts'
      ? String(v)
      : `${v.toFixed(0)} ms`;

/** Judges one objective over one window's stats. */
export function judgeWindow(w: WindowStats, o: DrillObjective): CheckJudgement {
  const bound = `${o.op} ${fmt(o.metric, o.value)}`;
  const result = (outcome: Outcome, value: number | null, detail: string): CheckJudgement => ({
    name: o.name,
    outcome,
    ok: outcome === 'pass',
    value,
    detail,
  });
  if (w.count === 0)
    return result(
      'inconclusive',
      null,
      `no ${o.tag} requests in the window to measure (${bound}); to conclude: send load through the window`,
    );
  switch (o.metric) {
    case 'timeouts': {
      const ok = o.op === '<=' ? w.timeouts <= o.value : w.timeouts >= o.value;
      return result(ok ? 'pass' : 'fail', w.timeouts, `${w.timeouts} (${bound}) over ${w.count} requests`);
    }
    case 'max': {
      const max = w.hist.maxValue / 1000;
      const ok = o.op === '<=' ? max <= o.value : max >= o.value;
      return result(ok ? 'pass' : 'fail', max, `${max.toFixed(0)} ms (${bound}) over ${w.count} requests`);
    }
    case 'availability':
    case 'success':
    case 'fastFail': {
      // "at least v" of a ratio: the bad ones against a budget of 1 − v.
      const n = o.metric === 'fastFail' ? w.serverErrors : w.count;
      const bad =
        o.metric === 'availability'
          ? w.serverErrors
          : o.metric === 'success'
            ? w.count - w.ok2xx
            : w.serverErrors - w.retryAfter503;
      if (o.metric === 'fastFail' && n === 0)
        return result('pass', 1, `no request failed (${bound}) over ${w.count} requests`);
      const value = 1 - bad / n;
      if (o.op === '<=') {
        const ok = value <= o.value;
        return result(ok ? 'pass' : 'fail', value, `${fmtPct(value)} (${bound}) over ${n} requests`);
      }
      const j = judgeRatio(bad, n, 1 - o.value);
      const s = j.statistics;
      let detail = `${fmtPct(value)} (${bound}) over ${n} requests; 95 % lower bound ${fmtPct(1 - (s.upper ?? 1))}`;
      if (j.outcome === 'inconclusive')
        detail += `; to conclude: ${s.requestsNeeded ? `≥ ${s.requestsNeeded} requests in the window` : 'fewer failures'}`;
      return result(j.outcome, value, detail);
    }
    default: {
      const p = o.metric === 'p50' ? 50 : o.metric === 'p95' ? 95 : 99;
      if (o.op === '>=') {
        const v = w.hist.getValueAtPercentile(p) / 1000;
        return result(v >= o.value ? 'pass' : 'fail', v, `${v.toFixed(0)} ms (${bound}) over ${w.count} requests`);
      }
      // "pN ≤ v" is "pN < v + 1 µs" for the percentile judgement.
      const j = judgePercentile(w.hist, p, o.value + 0.001);
      const s = j.statistics;
      let detail = `${(s.estimate ?? 0).toFixed(0)} ms (${bound}) over ${w.count} requests; 95 % upper bound ${s.upper === null ? 'n/a' : `${s.upper.toFixed(0)} ms`}`;
      if (j.outcome === 'inconclusive') detail += `; to conclude: ${j.toConclude ?? 'more requests'}`;
      return result(j.outcome, s.estimate, detail);
    }
  }
}

/** Samples of a drill in [start, end) (by bucket start) for a tag: a request tag, one of the drill's groups, or all. */
export function windowStatsFromSamples(
  samples: readonly Sample[],
  d: Pick<DrillResult, 'tags'>,
  window: { start: number; end: number },
  tag: DrillObjective['tag'],
): WindowStats {
  const w = emptyWindowStats();
  const names = tag === 'all' ? null : new Set(d.tags?.[tag] ?? [tag]);
  for (const s of samples) {
    if (s.ts < window.start || s.ts >= window.end) continue;
    if (names && !names.has(s.tag)) continue;
    addSample(w, s);
  }
  return w;
}

/** How a drill's `aborted` starts when its load never ran (its setup failed): the drill is inconclusive, not failed. */
export const LOAD_DID_NOT_START = 'the load did not start';

export interface DrillJudgement {
  outcome: Outcome;
  reason?: string;
  checks: CheckJudgement[];
}

/** What judging a drill reads from a record: its samples and the summary that says whether the load measurement is valid. */
export type DrillEvidence = Pick<RunRecord, 'samples' | 'summaries'> & Partial<Pick<RunRecord, 'scenarios'>>;

/**
 * The window checks of a drill recomputed from its samples, in the order the
 * drill recorded its windows (steady state, during, after); empty when the
 * record has no windows or no samples for the drill. A check a window passes
 * is inconclusive when the drill load's measurement is invalid.
 */
function judgeWindows(record: DrillEvidence, d: DrillResult): CheckJudgement[] {
  const samples = record.samples.filter((s) => s.scenario === `drill:${d.name}`);
  const windows = d.windows ?? [];
  if (windows.length === 0 || samples.length === 0) return [];
  // Same rule as every objective (load.ts measurementDoubt): a generator that missed the rate proves no pass;
  // one that was only late over-measures latency, so a latency breach may be its own.
  const doubt = measurementDoubt(record, [`drill:${d.name}`]);
  const checks: CheckJudgement[] = [];
  for (const win of windows) {
    for (const o of win.objectives) {
      const w = windowStatsFromSamples(samples, d, win, o.tag);
      const j = judgeWindow(w, o);
      w.hist.destroy();
      const latency = o.metric !== 'availability' && o.metric !== 'success' && o.metric !== 'fastFail';
      const dd = doubted(
        j.outcome,
        doubt,
        latency ? 'latency' : 'ratio',
        latency && o.op === '<=' ? { valueMs: j.value, limitMs: o.value + 0.001 } : undefined,
      );
      const judged = dd.reason
        ? { ...j, outcome: dd.outcome, ok: dd.outcome === 'pass', detail: `${j.detail}; ${dd.reason}` }
        : j;
      checks.push({
        ...judged,
        source: win.phase === 'steady' ? 'steady-state' : 'window',
        name: `${win.phase === 'steady' ? 'steady state' : win.phase}: ${j.name}`,
      });
    }
  }
  return checks;
}

/**
 * A drill's outcome from the record: window checks recomputed from samples,
 * the other checks (probes, rollback, recovery, reconciliation) as recorded.
 * A fault not injected, or a drill interrupted, is inconclusive.
 */
export function judgeDrill(record: DrillEvidence, d: DrillResult): DrillJudgement {
  const checks = judgeWindows(record, d);
  const recomputed = checks.length > 0;
  for (const c of d.checks) {
    if (recomputed && (c.source === 'window' || c.source === 'steady-state')) continue;
    const outcome = c.outcome ?? (c.ok ? 'pass' : 'fail');
    checks.push({
      name: c.name,
      outcome,
      ok: outcome === 'pass',
      detail: c.detail,
      value: null,
      ...(c.source ? { source: c.source } : {}),
    });
  }
  const reasons: string[] = [];
  if (d.skipped.length > 0) reasons.push(`faults not injected: ${d.skipped.join('; ')}`);
  if (d.aborted?.startsWith('interrupted')) reasons.push(`drill ${d.aborted}`);
  // A load that never ran showed nothing about the target under a fault: not a failure of the target.
  const noLoad = d.aborted?.startsWith(LOAD_DID_NOT_START) ?? false;
  if (noLoad)
    reasons.push(
      `${d.aborted}; to conclude: make the drill's load run against this target (its setup steps, its routes)`,
    );
  // A drill that stopped its fault before it proved anything fails — unless it stopped because the steady state looked
  // broken and the record cannot confirm the breach (a doubtful measurement): then nothing was shown either way.
  const unconfirmedSteady =
    d.aborted?.startsWith('steady state not met') &&
    recomputed &&
    !checks.some((c) => c.source === 'steady-state' && c.outcome === 'fail');
  if (unconfirmedSteady)
    reasons.push(
      `drill ${d.aborted}, but the recorded steady-state window does not confirm the breach; to conclude: rerun on a quieter machine`,
    );
  let outcome = overallOutcome(checks.map((c) => c.outcome));
  if (d.aborted && !d.aborted.startsWith('interrupted') && !noLoad && !unconfirmedSteady && outcome !== 'fail')
    outcome = 'fail';
  if (noLoad && outcome === 'pass') outcome = 'inconclusive';
  if (unconfirmedSteady && outcome === 'pass') outcome = 'inconclusive';
  if (reasons.length > 0 && outcome === 'pass') outcome = 'inconclusive';
  const unsure = checks.filter((c) => c.outcome === 'inconclusive').map((c) => `${c.name}: ${c.detail}`);
  const reason = [...reasons, ...unsure].join('; ');
  return { outcome, checks, ...(outcome === 'inconclusive' && reason ? { reason } : {}) };
}
