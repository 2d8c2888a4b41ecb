import { describeSelection, selectSamples, sumRatio, toBuckets, type Selection } from '../evidence.ts';
import { mergeHistograms } from '../histogram.ts';
import type { Outcome, RunRecord, Verdict } from '../run-record.ts';
import type { Objective, SloSpec } from '../slo-spec.ts';
import { burnRates, worstLatencyWindow } from '../windows.ts';
import { judgePercentile, judgeRatio } from '../statistics.ts';
import { missingEvidence, pct, round, verdictFor } from './verdict.ts';

type Of<K extends Objective['kind']> = Extract<Objective, { kind: K }>;

/**
 * Why the samples of a selection cannot be trusted, and which way that leans.
 * - optimistic: the target was not loaded as claimed (an open-model rate below 90 % of the
 *   one asked, not caused by the target): a PASS proves nothing, so it becomes INCONCLUSIVE.
 * - pessimistic: the generator was late (event-loop lag, CPU, its own scheduler) while
 *   the arrival rate held. Latency is measured from the intended start, so its own
 *   delay can only make the target look slower and less available: a PASS stands, a
 *   FAIL may be the generator's and becomes INCONCLUSIVE.
 */
export interface MeasurementDoubt {
  bias: 'optimistic' | 'pessimistic';
  text: string;
  /** The most the generator's own delay can have added to a latency (its worst event-loop lag); Infinity when unknown. */
  maxDelayMs: number;
}

/** Below this share of the asked rate (not caused by the target), the load claimed was not delivered. */
export const MATERIAL_SHORTFALL = 0.9;

export function measurementDoubt(
  record: Pick<RunRecord, 'summaries'>,
  scenarios: Iterable<string>,
): MeasurementDoubt | null {
  const names = new Set(scenarios);
  const bad = record.summaries.filter((s) => names.has(s.scenario) && !s.valid);
  if (bad.length === 0) return null;
  const optimistic = bad.some((s) => {
    // A closed model asks for users, not a rate: a busy generator there only adds to the latency it measures.
    if (s.rate.target === null || s.rate.target <= 0) return false;
    return s.late === 0 && s.dropped === 0 && s.rate.achieved / s.rate.target < MATERIAL_SHORTFALL;
  });
  const text = `the measurement of ${bad.map((b) => b.scenario).join(', ')} is invalid (${bad.flatMap((b) => b.invalidReasons).join('; ')})`;
  const maxDelayMs = Math.max(...bad.map((b) => b.generatorLagMaxMs ?? Infinity));
  return { bias: optimistic ? 'optimistic' : 'pessimistic', text, maxDelayMs };
}

/**
 * Applies a measurement doubt to an outcome (see measurementDoubt). A late generator inflates
 * latency only: the failed responses a ratio counts are the target's own, so a ratio breach stands.
 */
export function doubted(
  outcome: Outcome,
  doubt: MeasurementDoubt | null,
  measure: 'latency' | 'ratio',
  latency?: { valueMs: number | null; limitMs: number },
): { outcome: Outcome; reason?: string } {
  if (!doubt) return { outcome };
  if (doubt.bias === 'pessimistic' && measure === 'ratio') return { outcome };
  // A breach larger than anything the generator's own delay can explain stands.
  if (
    doubt.bias === 'pessimistic' &&
    outcome === 'fail' &&
    latency?.valueMs != null &&
    latency.valueMs - doubt.maxDelayMs >= latency.limitMs
  )
    return { outcome };
  if (doubt.bias === 'optimistic' && outcome === 'pass') {
    return {
      outcome: 'inconclusive',
      reason: `${doubt.text}: the target was not loaded as claimed; to conclude: rerun with a generator that keeps up (lower rate, fewer other jobs, or distributed load)`,
    };
  }
  if (doubt.bias === 'pessimistic' && outcome === 'fail') {
    return {
      outcome: 'inconclusive',
      reason: `${doubt.text}: the generator's own delay counts in the latency, so this breach may be the generator's; to conclude: rerun with fewer other jobs on the machine`,
    };
  }
  return { outcome };
}

const fmtMs = (v: number | null) => (v === null ? 'n/a' : `${v} ms`);

/**
 * pN over the whole selection, judged on its one-sided 95 % confidence bound
 * (order statistics), and the point value of every sliding window that fits in
 * the run with enough requests (a minute-long breach in the middle fails).
 */
export function evaluateLatency(record: RunRecord, o: Of<'latency'>): Verdict {
  const sel: Selection = { scenario: o.scenario, tag: o.tag };
  const evidence = `${describeSelection(sel)}.latency`;
  const target = `p${o.percentile} < ${o.lessThanMs} ms`;
  const samples = selectSamples(record, sel);
  const h = mergeHistograms(samples.map((s) => s.latency));
  try {
    if (h.totalCount === 0)
      return missingEvidence(
        o,
        target,
        evidence,
        `no request samples for ${describeSelection(sel)}`,
        undefined,
        'run the scenario the objective names, or fix its scenario/tag',
      );
    const judged = judgePercentile(h, o.percentile, o.lessThanMs, o.minRequests);
    const stats = judged.statistics;
    const overall = stats.estimate ?? 0;
    const notes: string[] = [];
    const windows =
      o.window > 0
        ? worstLatencyWindow(toBuckets(samples), {
            windowMs: o.window,
            intervalMs: record.intervalMs,
            percentile: o.percentile,
            minRequests: o.minWindowRequests,
          })
        : { worst: null, judged: 0 };
    const { worst } = windows;
    if (o.window > 0 && windows.judged === 0)
      notes.push(
        `no ${o.window / 1000}-s window with ≥ ${o.minWindowRequests} requests fits in the run: judged on the whole run only`,
      );
    const windowBreached = worst !== null && worst.valueMs >= o.lessThanMs;
    const raw: Outcome = windowBreached ? 'fail' : judged.outcome;
    const doubt = measurementDoubt(record, new Set(samples.map((x) => x.scenario)));
    const d = doubted(raw, doubt, 'latency', {
      valueMs: windowBreached && worst ? worst.valueMs : overall,
      limitMs: o.lessThanMs,
    });
    const outcome = d.outcome;
    let reason = d.reason;
    if (doubt && !reason)
      notes.push(
        `${doubt.text}; the verdict stands (${doubt.bias === 'pessimistic' ? "the generator's delay only adds to the latency measured" : 'a lighter load than claimed cannot hide a breach'})`,
      );
    if (!reason && outcome === 'inconclusive') {
      reason = `the ${Math.round(stats.confidence * 100)} % upper bound of p${o.percentile} is ${fmtMs(stats.upper)}, not under ${o.lessThanMs} ms, over ${stats.n} requests; to conclude: ${judged.toConclude ?? 'more requests'}`;
    }
    let measured = `p${o.percentile} ${overall} ms over ${h.totalCount} requests (95 % CI ${fmtMs(stats.lower)} – ${fmtMs(stats.upper)})`;
    if (worst) measured += `; worst ${worst.seconds}-s window ${worst.valueMs} ms`;
    return verdictFor(o, {
      target,
      measured,
      outcome,
      evidence,
      notes,
      statistics: stats,
      ...(reason ? { reason } : {}),
      value: windowBreached && worst ? worst.valueMs : overall,
      ...(worst ? { window: { start: worst.start, end: worst.end, seconds: worst.seconds } } : {}),
    });
  } finally {
    h.destroy();
  }
}

function ratioVerdict(
  record: RunRecord,
  spec: SloSpec,
  o: Objective,
  sel: Selection,
  target: number,
  suffix?: string,
): Verdict {
  const evidence = `${describeSelection(sel)}.failed+dropped / count+dropped`;
  const targetText = o.kind === 'error-rate' ? `error rate ≤ ${pct(1 - target)}` : `availability ≥ ${pct(target)}`;
  const buckets = toBuckets(selectSamples(record, sel));
  const { total, bad } = sumRatio(buckets);
  if (total === 0)
    return missingEvidence(
      o,
      targetText,
      evidence,
      `no requests in ${describeSelection(sel)}`,
      suffix,
      'run what the objective names',
    );
  const budget = 1 - target;
  const judged = judgeRatio(bad, total, budget);
  const stats = judged.statistics;
  const errorRate = bad / total;
  const burn = errorRate / budget;
  const { rates, notes } = burnRates(buckets, target, spec.burnRate, record.intervalMs);
  const bound = `95 % upper bound of the failure ratio ${pct(round(stats.upper ?? 1, 6))} (Clopper–Pearson)`;
  const measured =
    o.kind === 'error-rate'
      ? `${pct(round(errorRate, 6))} (${bad}/${total} failed); ${bound}`
      : `${pct(round(1 - errorRate, 6))} (${total - bad}/${total} succeeded); ${bound}`;
  const doubt = measurementDoubt(record, new Set(selectSamples(record, sel).map((x) => x.scenario)));
  const d = doubted(judged.outcome, doubt, 'ratio');
  const outcome = d.outcome;
  let reason = d.reason;
  if (doubt && !reason)
    notes.push(
      `${doubt.text}; the verdict stands (${doubt.bias === 'pessimistic' ? "the generator's delay cannot hide failures" : 'a lighter load than claimed cannot hide a breach'})`,
    );
  if (!reason && outcome === 'inconclusive') {
    reason =
      `${bad} failed of ${total}: within the budget of ${pct(budget)}, but the upper bound ${pct(round(stats.upper ?? 1, 6))} is not; ` +
      `to conclude: ${stats.requestsNeeded ? `at least ${stats.requestsNeeded} requests at this failure ratio` : 'a lower failure ratio'}`;
  }
  return verdictFor(
    o,
    {
      target: targetText,
      measured,
      evidence,
      notes,
      outcome,
      statistics: stats,
      ...(reason ? { reason } : {}),
      value: o.kind === 'error-rate' ? errorRate : 1 - errorRate,
      budgetRemaining: round(1 - burn, 4),
      burnRate: round(burn, 4),
      burnRates: rates,
    },
    suffix,
  );
}

export function evaluateErrorRate(record: RunRecord, spec: SloSpec, o: Of<'error-rate'>): Verdict {
  return ratioVerdict(record, spec, o, { scenario: o.scenario, tag: o.tag }, 1 - o.max);
}

/** Availability during the run, each (or one) scenario, or each (or one) drill's time span. */
export function evaluateAvailability(record: RunRecord, spec: SloSpec, o: Of<'availability'>): Verdict[] {
  const targetText = `availability ≥ ${pct(o.target)}`;
  if (o.during === 'run') return [ratioVerdict(record, spec, o, { scenario: o.scenario }, o.target)];
  if (o.during === 'scenario') {
    const names = o.scenario ? [o.scenario] : [...new Set(record.samples.map((s) => s.scenario))];
    if (names.length === 0) return [missingEvidence(o, targetText, 'samples[]', 'no scenario ran')];
    return names.map((n) => ratioVerdict(record, spec, o, { scenario: n }, o.target, n));
  }
  const drills = record.drills.filter((d) => o.drill === undefined || d.name === o.drill);
  if (drills.length === 0) {
    return [
      missingEvidence(
        o,
        targetText,
        `drills[${o.drill ?? '*'}]`,
        o.drill ? `drill ${o.drill} did not run` : 'no drill ran',
      ),
    ];
  }
  // The drill's own load (scenario drill:<name>); records without it: every request in the drill's time span.
  const own = (d: { name: string }) =>
    o.scenario ?? (record.samples.some((s) => s.scenario === `drill:${d.name}`) ? `drill:${d.name}` : undefined);
  return drills.map((d) =>
    ratioVerdict(record, spec, o, { scenario: own(d), from: d.startedAt, to: d.endedAt }, o.target, d.name),
  );
}
