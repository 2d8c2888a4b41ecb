import { randomUUID } from 'node:crypto';
import { encodeHistogram, mergeHistograms } from './histogram.ts';
import type { RunRecord, Sample } from './run-record.ts';

const key = (s: Sample) => `${s.ts}\u0000${s.scenario}\u0000${s.tag}`;

/**
 * Merges two run records (e.g. two load generators, or two runs of a suite).
 * Samples of the same bucket, scenario and tag add: counts add and latency
 * histograms add — percentiles are recomputed from the sum, never averaged.
 * Verdicts are dropped: evaluate the merged record again.
 */
export function mergeRunRecords(a: RunRecord, b: RunRecord): RunRecord {
  if (a.intervalMs !== b.intervalMs) {
    throw new Error(
      `cannot merge run records with different bucket widths (${a.intervalMs} ms and ${b.intervalMs} ms)`,
    );
  }
  const groups = new Map<string, Sample[]>();
  for (const s of [...a.samples, ...b.samples]) {
    const k = key(s);
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  const samples: Sample[] = [];
  for (const g of groups.values()) {
    const first = g[0] as Sample;
    if (g.length === 1) {
      samples.push(first);
      continue;
    }
    const h = mergeHistograms(g.map((s) => s.latency));
    const out: Sample = {
      ...first,
      count: 0,
      failed: 0,
      late: 0,
      dropped: 0,
      status: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, net: 0 },
      checks: { passed: 0, failed: 0 },
      latency: encodeHistogram(h),
    };
    h.destroy();
    for (const s of g) {
      out.count += s.count;
      out.failed += s.failed;
      out.late += s.late;
      out.dropped += s.dropped;
      for (const c of Object.keys(out.status) as (keyof Sample['status'])[]) out.status[c] += s.status[c];
      out.checks.passed += s.checks.passed;
      out.checks.failed += s.checks.failed;
    }
    samples.push(out);
  }
  samples.sort((x, y) => x.ts - y.ts);
  const ends = [a.meta.endedAt, b.meta.endedAt].filter((v): v is number => v !== null);
  return {
    ...a,
    id: randomUUID(),
    meta: {
      ...a.meta,
      startedAt: Math.min(a.meta.startedAt, b.meta.startedAt),
      endedAt: ends.length ? Math.max(...ends) : null,
    },
    scenarios: [...a.scenarios, ...b.scenarios],
    samples,
    engine: [...a.engine, ...b.engine].sort((x, y) => x.ts - y.ts),
    events: [...a.events, ...b.events].sort((x, y) => x.ts - y.ts),
    summaries: [...a.summaries, ...b.summaries],
    thresholds: [...a.thresholds, ...b.thresholds],
    drills: [...a.drills, ...b.drills],
    findings: [...a.findings, ...b.findings],
    parts: [...a.parts, ...b.parts],
    notes: [...a.notes, ...b.notes, `merged from runs ${a.id} and ${b.id}`],
    verdicts: [],
    verdict: null,
    comparison: null,
  };
}
