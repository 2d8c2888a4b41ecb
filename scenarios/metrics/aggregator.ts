import { encodeHistogram, type Sample, type ThresholdResult } from '../../reports/index.ts';
import { addDropped, addOutcome, addStats, emptyStats, subtractStats, type Outcome, type Stats } from './stats.ts';
import { holds, observe, windowed, worse } from '../thresholds/evaluate.ts';
import type { ParsedThreshold } from '../thresholds/parse.ts';
import { MetricSinks } from './sinks.ts';
import { TimingHistograms, TIMING_METRICS } from './timings.ts';
import type { RequestTimings } from '../http/dispatch.ts';
import type { K6MetricType } from '../k6/k6-thresholds.ts';
import { earn, type ThresholdSemantics } from '../thresholds/earned.ts';

const ALL = '\u0000all';
/** The metrics folded from request outcomes (Stats); every other one is a sink's. */
const REQUEST_METRICS = new Set([
  'http_req_duration',
  'http_req_failed',
  'checks',
  'http_reqs',
  'dropped_iterations',
  'late_requests',
]);
const SECOND = 1000;

interface WindowState {
  seconds: number;
  /** Closed buckets inside the window, oldest first. */
  buckets: Array<{ ts: number; byTag: Map<string, Stats> }>;
  byKey: Map<string, Stats>;
}

interface ThresholdState {
  t: ParsedThreshold;
  worst: { value: number; start: number; end: number; seconds: number } | null;
  aborted: boolean;
}

/**
 * Folds request outcomes into 1 s buckets per tag (the run record's samples),
 * whole-run totals per tag, and sliding windows (10 s, 60 s) kept up to date
 * by adding the newest closed bucket and subtracting the one that left, so
 * thresholds are checked every second without re-merging histograms.
 */
export class Aggregator {
  readonly samples: Sample[] = [];
  readonly totals = new Map<string, Stats>();
  /** Points that are not request outcomes (group_duration, a suite's own metrics), as k6's sinks. */
  readonly sinks = new MetricSinks();
  /** k6's timing breakdown per metric and tag, whole run (HdrHistograms: bounded memory whatever the run's length). */
  readonly timings = new TimingHistograms();
  /** Whole-run request outcomes per k6 group path ("::checkout"): thresholds {group:::checkout} on request metrics. */
  readonly groups = new Map<string, Stats>();
  /** All tags of the most recently closed second (the progress line's "current p95"). */
  recent: Stats | null = null;
  private readonly open = new Map<number, Map<string, Stats>>();
  private readonly windows: WindowState[];
  private readonly thresholds: ThresholdState[];
  private lastClosedEnd: number;

  constructor(
    private readonly scenario: string,
    thresholds: ParsedThreshold[],
    windowSeconds: number[],
    private readonly startedAt: number,
    /** The scenario's own tags (k6 scenario tags): a threshold {key:value} on one of them takes all its requests. */
    private readonly scenarioTags: Readonly<Record<string, string>> = {},
  ) {
    this.thresholds = thresholds.map((t) => ({ t, worst: null, aborted: false }));
    const needWindows = thresholds.some(windowed);
    this.windows = needWindows ? windowSeconds.map((seconds) => ({ seconds, buckets: [], byKey: new Map() })) : [];
    this.totals.set(ALL, emptyStats());
    this.lastClosedEnd = Math.floor(startedAt / SECOND) * SECOND;
  }

  /** The bucket the last sample went to: consecutive samples of one tag within a second skip both Map lookups. */
  private last: { ts: number; tag: string; stats: Stats } | null = null;

  private bucket(tag: string, epochMs: number): Stats {
    const ts = Math.floor(epochMs / SECOND) * SECOND;
    const last = this.last;
    if (last !== null && last.ts === ts && last.tag === tag) return last.stats;
    let byTag = this.open.get(ts);
    if (!byTag) {
      byTag = new Map();
      this.open.set(ts, byTag);
    }
    let s = byTag.get(tag);
    if (!s) {
      s = emptyStats();
      byTag.set(tag, s);
    }
    this.last = { ts, tag, stats: s };
    return s;
  }

  record(o: Outcome, epochMs: number): void {
    addOutcome(this.bucket(o.tag, epochMs), o);
    if (o.group) {
      let g = this.groups.get(o.group);
      if (!g) {
        g = emptyStats();
        this.groups.set(o.group, g);
      }
      addOutcome(g, o);
    }
  }

  /** An answered request's timing breakdown. */
  recordTimings(tag: string, group: string | null, t: RequestTimings): void {
    // k6 tags every metric's points with their scenario: {scenario:x} filters find them.
    this.timings.add(t, tag, group, { scenario: this.scenario, ...this.scenarioTags });
  }

  /** A point of a metric that is not a request outcome; the scenario's tags are added to its own. */
  recordPoint(
    metric: string,
    type: K6MetricType,
    value: number,
    epochMs: number,
    tags: Readonly<Record<string, string>>,
  ): void {
    this.sinks.add(metric, type, value, epochMs, { scenario: this.scenario, ...this.scenarioTags, ...tags });
  }

  /** Whether a threshold reads the sinks (group_duration, the scenario's own metrics) rather than request outcomes. */
  private static onSinks(t: ParsedThreshold): boolean {
    return !REQUEST_METRICS.has(t.metric);
  }

  recordDropped(tag: string, epochMs: number): void {
    addDropped(this.bucket(tag, epochMs));
  }

  /**
   * Closes every bucket that ended at or before `nowEpoch` (all of them when final),
   * updates totals and windows, evaluates thresholds. Returns a threshold that
   * asks to abort the run, if any.
   */
  flush(nowEpoch: number, final = false): ParsedThreshold | null {
    const ready = [...this.open.keys()].filter((ts) => final || ts + SECOND <= nowEpoch).sort((a, b) => a - b);
    let abort: ParsedThreshold | null = null;
    if (ready.length > 0) this.last = null;
    for (const ts of ready) {
      const byTag = this.open.get(ts) as Map<string, Stats>;
      this.open.delete(ts);
      this.close(ts, byTag);
    }
    const end = final ? Math.max(nowEpoch, this.lastClosedEnd) : Math.floor(nowEpoch / SECOND) * SECOND;
    if (end > this.lastClosedEnd) this.lastClosedEnd = end;
    for (const w of this.windows) this.evict(w, this.lastClosedEnd);
    abort = this.evaluate(this.lastClosedEnd);
    return abort;
  }

  private close(ts: number, byTag: Map<string, Stats>): void {
    const all = this.totals.get(ALL) as Stats;
    const recent = emptyStats();
    this.recent = recent;
    for (const [tag, s] of byTag) {
      addStats(recent, s);
      this.samples.push({
        ts,
        scenario: this.scenario,
        tag,
        count: s.count,
        failed: s.failed,
        status: { ...s.status },
        checks: { passed: s.checksPassed, failed: s.checksFailed },
        late: s.late,
        dropped: s.dropped,
        codes: { ...s.codes },
        retryAfter503: s.retryAfter503,
        latency: encodeHistogram(s.hist),
      });
      let total = this.totals.get(tag);
      if (!total) {
        total = emptyStats();
        this.totals.set(tag, total);
      }
      addStats(total, s);
      addStats(all, s);
    }
    for (const w of this.windows) {
      w.buckets.push({ ts, byTag });
      for (const [tag, s] of byTag) {
        for (const key of [tag, ALL]) {
          let ws = w.byKey.get(key);
          if (!ws) {
            ws = emptyStats();
            w.byKey.set(key, ws);
          }
          addStats(ws, s);
        }
      }
    }
  }

  private evict(w: WindowState, end: number): void {
    while (w.buckets.length > 0 && (w.buckets[0] as { ts: number }).ts < end - w.seconds * SECOND) {
      const old = w.buckets.shift() as { byTag: Map<string, Stats> };
      for (const [tag, s] of old.byTag) {
        subtractStats(w.byKey.get(tag) as Stats, s);
        subtractStats(w.byKey.get(ALL) as Stats, s);
      }
    }
  }

  /** A filter's scenario-level pairs ({scenario:…}, a scenario tag) beside its request tag hold for this scenario. */
  private inScope(t: ParsedThreshold): boolean {
    return (t.also ?? []).every((p) =>
      p.key === 'scenario' ? p.value === this.scenario : this.scenarioTags[p.key] === p.value,
    );
  }

  /** A sink metric's value (the timing breakdown, group_duration, a suite's own metrics) over the run so far. */
  private sinkValue(t: ParsedThreshold, seconds: number): number | null {
    if (!this.inScope(t)) return null;
    return TIMING_METRICS.has(t.metric) ? this.timings.value(t) : this.sinks.value(t, seconds);
  }

  private statsFor(t: ParsedThreshold, source: Map<string, Stats>): Stats | null {
    if (!this.inScope(t)) return null;
    if (!t.tag) return source.get(ALL) ?? null;
    if (t.tag.key === 'scenario') return t.tag.value === this.scenario ? (source.get(ALL) ?? null) : null;
    // Groups are kept for the whole run only: no sliding window judges them.
    if (t.tag.key === 'group') return source === this.totals ? (this.groups.get(t.tag.value) ?? null) : null;
    if (t.tag.key !== 'name') return this.scenarioTags[t.tag.key] === t.tag.value ? (source.get(ALL) ?? null) : null;
    return source.get(t.tag.value) ?? null;
  }

  private evaluate(end: number): ParsedThreshold | null {
    let abort: ParsedThreshold | null = null;
    const elapsed = end - this.startedAt;
    for (const st of this.thresholds) {
      const { t } = st;
      let breached = false;
      if (Aggregator.onSinks(t)) {
        // k6's metrics other than requests: the whole run so far (no sliding windows).
        if (t.abortOnFail && !st.aborted && elapsed >= t.delayAbortEvalMs) {
          const v = this.sinkValue(t, Math.max(elapsed, SECOND) / SECOND);
          if (v !== null && !holds(t, v)) {
            st.aborted = true;
            abort ??= t;
          }
        }
        continue;
      }
      if (windowed(t)) {
        for (const w of this.windows) {
          if (elapsed < w.seconds * SECOND) continue;
          const s = this.statsFor(t, w.byKey);
          const v = s ? observe(t, s, w.seconds) : null;
          if (v !== null && !holds(t, v)) {
            breached = true;
            if (!st.worst || worse(t, v, st.worst.value))
              st.worst = { value: v, start: end - w.seconds * SECOND, end, seconds: w.seconds };
          }
        }
      }
      if (t.abortOnFail && !st.aborted && elapsed >= t.delayAbortEvalMs) {
        const s = this.statsFor(t, this.totals);
        const v = s ? observe(t, s, Math.max(elapsed, SECOND) / SECOND) : null;
        if (breached || (v !== null && !holds(t, v))) {
          st.aborted = true;
          abort ??= t;
        }
      }
    }
    return abort;
  }

  /** Final threshold results: whole run (a PASS earned at 95 % confidence unless `semantics` is k6), or the worst window when one breached. */
  results(durationMs: number, semantics: ThresholdSemantics = 'rampart'): ThresholdResult[] {
    return this.thresholds.map(({ t, worst, aborted }) => {
      if (Aggregator.onSinks(t)) return this.sinkResult(t, aborted, durationMs);
      const s = this.statsFor(t, this.totals);
      const value = s ? observe(t, s, Math.max(durationMs, 1) / SECOND) : null;
      const wholeOk = holds(t, value);
      const base = {
        scenario: this.scenario,
        metric: t.metric,
        expression: t.source,
        abortedRun: aborted,
        ...(t.filter ? { filter: t.filter } : {}),
      };
      if (wholeOk && worst) {
        return {
          ...base,
          ok: false,
          outcome: 'fail' as const,
          value: worst.value,
          window: { start: worst.start, end: worst.end, seconds: worst.seconds },
        };
      }
      if (value === null) {
        // No data is not a pass: a threshold on a tag that never occurred proved nothing (often a misspelt tag).
        const known = [...this.totals.keys()].filter((k) => k !== ALL);
        return {
          ...base,
          ok: false,
          outcome: 'inconclusive' as const,
          value,
          reason: `no data for ${t.metric}${t.filter ? `{${t.filter}}` : ''}${t.tag && t.tag.key !== 'scenario' ? ` (tags seen: ${known.slice(0, 8).join(', ') || 'none'})` : ''}: check the tag name, or that requests of it were sent`,
        };
      }
      return earn(
        { ...base, ok: wholeOk, outcome: wholeOk ? ('pass' as const) : ('fail' as const), value },
        t,
        s,
        semantics,
      );
    });
  }

  /** A threshold on a sink metric, judged as k6 judges it over the whole run; no data is INCONCLUSIVE, as for requests. */
  private sinkResult(t: ParsedThreshold, aborted: boolean, durationMs: number): ThresholdResult {
    const value = this.sinkValue(t, Math.max(durationMs, 1) / SECOND);
    const base = {
      scenario: this.scenario,
      metric: t.metric,
      expression: t.source,
      abortedRun: aborted,
      ...(t.filter ? { filter: t.filter } : {}),
    };
    if (value === null) {
      const seen = TIMING_METRICS.has(t.metric) ? this.timings.tagsOf(t.metric) : this.sinks.tagsOf(t.metric);
      return {
        ...base,
        ok: false,
        outcome: 'inconclusive',
        value,
        reason: `no data for ${t.metric}${t.filter ? `{${t.filter}}` : ''}${t.tag ? ` (seen: ${seen.slice(0, 8).join(', ') || 'none'})` : ''}: check the name, or that the steps ran`,
      };
    }
    const ok = holds(t, value);
    return { ...base, ok, outcome: ok ? 'pass' : 'fail', value };
  }

  allStats(): Stats {
    return this.totals.get(ALL) as Stats;
  }
}
