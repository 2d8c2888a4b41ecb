import { InputError } from '../../common/index.ts';
import {
  summarize,
  type RunEvent,
  type RunRecordPart,
  type ScenarioSummary,
  type ThresholdResult,
} from '../../reports/index.ts';
import { Aggregator } from '../metrics/aggregator.ts';
import { judgeK6Thresholds } from './judge.ts';
import {
  K6ResultsInvalidError,
  PointStore,
  readRunnerFile,
  type FileRead,
  type Item,
  type K6Runner,
  type ThresholdItem,
} from './results-reader.ts';

export { K6ResultsInvalidError } from './results-reader.ts';
export type { K6Runner, ThresholdItem } from './results-reader.ts';
export { K6_TEST } from './judge.ts';

/**
 * The way back from k6: reads the JSON lines k6 writes with `k6 run --out json=FILE` (one file per
 * runner, as k6-operator's execution segments produce) and folds the points of every runner into one
 * run record, with every threshold judged as k6 judges it — k6's sinks and percentile, over the whole
 * test (k6-operator judges each runner alone) — and rampart's confidence bounds beside each verdict.
 *
 * The run record keeps the HTTP requests per scenario (HdrHistograms per request tag and second, filled
 * from the raw values, so the merge is exact); requests of setup() and teardown() go to buckets of their
 * own. dropped_iterations is its own metric: iterations k6 never started, not failed requests.
 */

export interface K6ImportOptions {
  /** Extra thresholds, test-wide as in a k6 script's options (e.g. the exported suite's, or --threshold flags). */
  thresholds?: Record<string, Array<string | ThresholdItem>>;
  /** Gate on rampart's reading too: a threshold k6 passes but rampart finds inconclusive makes the import inconclusive. */
  strict?: boolean;
}

export interface K6ImportResult {
  part: RunRecordPart;
  summaries: ScenarioSummary[];
  thresholds: ThresholdResult[];
  runners: K6Runner[];
  startedAt: number;
  endedAt: number;
  /** Said on stderr as well as noted in the record: runners far apart in time, lines skipped. */
  warnings: string[];
}

/** Runners whose points start this long after every earlier runner stopped are named: they look like separate tests. */
const APART_MS = 60_000;

const round2 = (v: number) => Math.round(v * 100) / 100;

function thresholdMap(store: PointStore, extra: K6ImportOptions['thresholds']): Map<string, ThresholdItem[]> {
  const map = new Map<string, ThresholdItem[]>();
  const add = (key: string, items: Array<string | ThresholdItem>) => {
    const list = map.get(key) ?? [];
    for (const it of items) {
      const item = typeof it === 'string' ? { threshold: it } : it;
      if (!list.some((x) => x.threshold === item.threshold)) list.push(item);
    }
    map.set(key, list);
  };
  for (const [metric, info] of store.metrics) if (info.thresholds.length > 0) add(metric, info.thresholds);
  for (const [key, items] of Object.entries(extra ?? {})) add(key, items);
  return map;
}

function apartWarnings(runners: K6Runner[]): string[] {
  const spans = runners.filter((r) => r.firstMs !== null).sort((a, b) => (a.firstMs as number) - (b.firstMs as number));
  const out: string[] = [];
  let end = -Infinity;
  let endFile = '';
  for (const r of spans) {
    const gap = (r.firstMs as number) - end;
    if (end > -Infinity && gap > APART_MS) {
      out.push(
        `${r.file} starts ${(gap / 60_000).toFixed(1)} min after ${endFile} ended: these look like separate tests, not runners of one; ` +
          'the merged run spans the gap (rates and Counter rate thresholds divide by it)',
      );
    }
    if ((r.lastMs as number) > end) {
      end = r.lastMs as number;
      endFile = r.file;
    }
  }
  return out;
}

function summaryOf(name: string, agg: Aggregator, items: Item[], dropped: number): ScenarioSummary {
  const all = agg.allStats();
  const lat = summarize(all.hist);
  const capped = (v: number) => Math.min(v, lat.max);
  const first = (items[0] as Item).t;
  const last = (items[items.length - 1] as Item).t;
  return {
    scenario: name,
    executor: 'k6',
    startedAt: first,
    endedAt: last,
    requests: all.count,
    errors: all.failed,
    late: 0,
    dropped,
    rate: { target: null, achieved: round2((all.count * 1000) / Math.max(1000, last - first)) },
    latencyMs: {
      p50: capped(lat.p50),
      p90: capped(lat.p90),
      p95: capped(lat.p95),
      p99: capped(lat.p99),
      p999: capped(lat.p999),
      max: lat.max,
    },
    checks: { passed: all.checksPassed, failed: all.checksFailed },
    codes: { ...all.codes },
    valid: true,
    invalidReasons: [],
  };
}

/** Reads every runner's file, merges their points, judges every threshold over the whole test. */
export async function importK6Results(files: string[], options: K6ImportOptions = {}): Promise<K6ImportResult> {
  if (files.length === 0)
    throw new InputError('RAMPART_K6_RESULTS_INVALID', 'no k6 results given', {
      hint: 'rampart k6 import runner-0.json runner-1.json ...',
    });
  const store = new PointStore();
  const reads: FileRead[] = [];
  for (const f of files) reads.push(await readRunnerFile(f, store));
  if (store.series.size === 0)
    throw new K6ResultsInvalidError(
      files.join(', '),
      0,
      'no points: was the file written by `k6 run --out json=FILE`?',
    );
  const startedAt = store.firstMs;
  const endedAt = store.lastMs + 1;
  const durationSeconds = (store.lastMs - store.firstMs) / 1000;

  const thresholds = judgeK6Thresholds(store, thresholdMap(store, options.thresholds), {
    durationSeconds,
    ...(options.strict ? { strict: true } : {}),
  });

  // The HTTP requests, per scenario (setup() and teardown() apart), into 1 s samples per request tag.
  const items = reads.flatMap((r) => r.items).sort((a, b) => a.t - b.t);
  const byBucket = new Map<string, Item[]>();
  for (const it of items) {
    const list = byBucket.get(it.scenario) ?? [];
    list.push(it);
    byBucket.set(it.scenario, list);
  }
  const summaries: ScenarioSummary[] = [];
  const samples: NonNullable<RunRecordPart['samples']> = [];
  const events: RunEvent[] = [];
  for (const [name, list] of byBucket) {
    const agg = new Aggregator(name, [], [], startedAt);
    let dropped = 0;
    let nextFlush = Math.floor(startedAt / 1000) * 1000 + 1000;
    for (const it of list) {
      while (it.t >= nextFlush) {
        agg.flush(nextFlush);
        nextFlush += 1000;
      }
      if (it.kind === 'req') agg.record(it.o, it.t);
      else dropped += it.n;
    }
    agg.flush(endedAt, true);
    const s = summaryOf(name, agg, list, dropped);
    summaries.push(s);
    samples.push(...agg.samples);
    events.push({
      ts: s.startedAt,
      type: 'phase.started',
      label: `${name} (k6, ${reads.length} runner${reads.length === 1 ? '' : 's'})`,
      id: name,
      scenario: name,
      detail: { executor: 'k6' },
    });
    events.push({ ts: s.endedAt, type: 'phase.ended', label: name, id: name, scenario: name });
  }
  samples.sort((a, b) => a.ts - b.ts);

  const runners = reads.map((r) => r.runner);
  const warnings = [...reads.flatMap((r) => r.notes), ...apartWarnings(runners)];
  const notes = reads.map(
    (r, i) =>
      `k6 runner ${i + 1} (${r.runner.file}): ${r.runner.requests} requests, ${r.runner.checks} checks, ${r.runner.dropped} dropped iterations` +
      (r.runner.firstMs !== null
        ? `, ${new Date(r.runner.firstMs).toISOString()} to ${new Date(r.runner.lastMs as number).toISOString()}`
        : '') +
      (r.orphanChecks > 0 ? `; ${r.orphanChecks} checks before any request were not counted` : ''),
  );
  notes.push(...warnings);
  notes.push(
    thresholds.length > 0
      ? `k6 import: ${thresholds.length} threshold(s) judged as k6 judges them (its percentile, its sinks), over the points of all ${reads.length} runner(s) and the whole test (${durationSeconds.toFixed(1)} s from the first point to the last); rampart's confidence bounds are beside each verdict`
      : "k6 import: the files declare no thresholds (k6 writes a metric's thresholds in its Metric line; thresholds on sub-metrics such as http_req_duration{name:x} it does not write): give them with --threshold or --suite",
  );
  if (summaries.some((s) => s.dropped > 0))
    notes.push(
      'k6 import: dropped_iterations are iterations k6 never started; they are counted apart, not as failed requests',
    );
  return {
    part: {
      scenarios: [...byBucket.keys()].map((name) => ({ name, executor: 'k6' })),
      samples,
      events,
      summaries,
      thresholds,
      notes,
    },
    summaries,
    thresholds,
    runners,
    startedAt,
    endedAt,
    warnings,
  };
}
