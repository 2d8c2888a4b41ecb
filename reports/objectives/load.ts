import { describeSelection, selectSamples, sumRatio, toBuckets, type Selection } from '../evidence.ts';
import { mergeHistograms, percentileMs } from '../histogram.ts';
import type { RunRecord, Verdict } from '../run-record.ts';
import type { Objective, SloSpec } from '../slo-spec.ts';
import { burnRates, worstLatencyWindow } from '../windows.ts';
import { missingEvidence, pct, round, verdictFor } from './verdict.ts';

type Of<K extends Objective['kind']> = Extract<Objective, { kind: K }>;

/** pN over the whole selection, and over every sliding window that fits in the run. */
export function evaluateLatency(record: RunRecord, o: Of<'latency'>): Verdict {
  const sel: Selection = { scenario: o.scenario, tag: o.tag };
  const evidence = `${describeSelection(sel)}.latency`;
  const target = `p${o.percentile} < ${o.lessThanMs} ms`;
  const samples = selectSamples(record, sel);
  const h = mergeHistograms(samples.map((s) => s.latency));
  try {
    if (h.totalCount === 0) return missingEvidence(o, target, evidence, `no request samples for ${describeSelection(sel)}`);
    const overall = percentileMs(h, o.percentile);
    const notes: string[] = [];
    const { worst, judged } = o.window > 0
      ? worstLatencyWindow(toBuckets(samples), { windowMs: o.window, intervalMs: record.intervalMs, percentile: o.percentile, minRequests: o.minWindowRequests })
      : { worst: null, judged: 0 };
    if (o.window > 0 && judged === 0) notes.push(`no ${o.window / 1000}-s window with ≥ ${o.minWindowRequests} requests fits in the run: judged on the whole run only`);
    const windowBreached = worst !== null && worst.valueMs >= o.lessThanMs;
    const pass = overall < o.lessThanMs && !windowBreached;
    let measured = `p${o.percentile} ${overall} ms over ${h.totalCount} requests`;
    if (worst) measured += `; worst ${worst.seconds}-s window ${worst.valueMs} ms`;
    return verdictFor(o, {
      target, measured, pass, evidence, notes,
      value: windowBreached && worst ? worst.valueMs : overall,
      ...(worst ? { window: { start: worst.start, end: worst.end, seconds: worst.seconds } } : {}),
    });
  } finally {
    h.destroy();
  }
}

function ratioVerdict(record: RunRecord, spec: SloSpec, o: Objective, sel: Selection, target: number, suffix?: string): Verdict {
  const evidence = `${describeSelection(sel)}.failed+dropped / count+dropped`;
  const targetText = o.kind === 'error-rate' ? `error rate ≤ ${pct(1 - target)}` : `availability ≥ ${pct(target)}`;
  const buckets = toBuckets(selectSamples(record, sel));
  const { total, bad } = sumRatio(buckets);
  if (total === 0) return missingEvidence(o, targetText, evidence, `no requests in ${describeSelection(sel)}`, suffix);
  const errorRate = bad / total;
  const burn = errorRate / (1 - target);
  const { rates, notes } = burnRates(buckets, target, spec.burnRate, record.intervalMs);
  const measured = o.kind === 'error-rate'
    ? `${pct(round(errorRate, 6))} (${bad}/${total} failed)`
    : `${pct(round(1 - errorRate, 6))} (${total - bad}/${total} succeeded)`;
  return verdictFor(o, {
    target: targetText, measured, evidence, notes,
    value: o.kind === 'error-rate' ? errorRate : 1 - errorRate,
    pass: errorRate <= 1 - target + 1e-12,
    budgetRemaining: round(1 - burn, 4),
    burnRate: round(burn, 4),
    burnRates: rates,
  }, suffix);
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
    return [missingEvidence(o, targetText, `drills[${o.drill ?? '*'}]`, o.drill ? `drill ${o.drill} did not run` : 'no drill ran')];
  }
  return drills.map((d) => ratioVerdict(record, spec, o, { scenario: o.scenario, from: d.startedAt, to: d.endedAt }, o.target, d.name));
}
