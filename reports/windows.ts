import { formatDuration } from '../common/index.ts';
import type { Bucket } from './evidence.ts';
import { addEncoded, createLatencyHistogram, percentileMs, subtractEncoded } from './histogram.ts';
import type { SloSpec } from './slo-spec.ts';

export interface WorstWindow {
  start: number;
  end: number;
  seconds: number;
  valueMs: number;
  count: number;
}

/**
 * The sliding window [t, t + windowMs) with the highest pN, among windows that
 * fit inside the run and hold at least minRequests. One histogram slides: the
 * entering bucket is added and the leaving one subtracted, so an hour of
 * buckets costs two decodes per bucket. Returns null when the run is shorter
 * than one window.
 */
export function worstLatencyWindow(
  buckets: readonly Bucket[],
  opts: {
    windowMs: number;
    intervalMs: number;
    percentile: number;
    minRequests: number;
  },
): { worst: WorstWindow | null; judged: number } {
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  if (!first || !last || opts.windowMs <= 0) return { worst: null, judged: 0 };
  const runEnd = last.ts + opts.intervalMs;
  const h = createLatencyHistogram();
  let worst: WorstWindow | null = null;
  let judged = 0;
  let hi = 0;
  try {
    for (let lo = 0; lo < buckets.length; lo++) {
      const start = (buckets[lo] as Bucket).ts;
      const end = start + opts.windowMs;
      if (end > runEnd) break;
      while (hi < buckets.length && (buckets[hi] as Bucket).ts < end) {
        for (const e of (buckets[hi] as Bucket).latency) addEncoded(h, e);
        hi++;
      }
      if (h.totalCount >= opts.minRequests && h.totalCount > 0) {
        judged++;
        const v = percentileMs(h, opts.percentile);
        if (!worst || v > worst.valueMs)
          worst = { start, end, seconds: opts.windowMs / 1000, valueMs: v, count: h.totalCount };
      }
      for (const e of (buckets[lo] as Bucket).latency) subtractEncoded(h, e);
    }
  } finally {
    h.destroy();
  }
  return { worst, judged };
}

/** "1h", "6h", "72h", "6m", "5s": whole hours read better than formatDuration's minutes for workbook windows. */
function span(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return formatDuration(ms);
}

export interface BurnRateReport {
  window: string;
  burnRate: number;
  threshold: number;
  alert: boolean;
}

/**
 * SRE workbook multi-window burn rates, windows scaled to a test run. For each
 * (long, short, threshold): the highest burn over any long window, and whether
 * at some moment both the long and the short window ending there burned faster
 * than the threshold (the workbook's page/ticket condition). Windows longer than
 * the run are not reported; a note says so.
 */
export function burnRates(
  buckets: readonly Bucket[],
  target: number,
  cfg: SloSpec['burnRate'],
  intervalMs: number,
): { rates: BurnRateReport[]; notes: string[] } {
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  if (!first || !last) return { rates: [], notes: [] };
  const budget = 1 - target;
  const n = Math.round((last.ts - first.ts) / intervalMs) + 1;
  // Prefix sums over a dense per-interval array (gaps are empty intervals).
  const total = new Float64Array(n + 1);
  const bad = new Float64Array(n + 1);
  for (const b of buckets) {
    const i = Math.round((b.ts - first.ts) / intervalMs);
    total[i + 1] = (total[i + 1] ?? 0) + b.total;
    bad[i + 1] = (bad[i + 1] ?? 0) + b.bad;
  }
  for (let i = 1; i <= n; i++) {
    total[i] = (total[i] ?? 0) + (total[i - 1] ?? 0);
    bad[i] = (bad[i] ?? 0) + (bad[i - 1] ?? 0);
  }
  const burnOver = (endIdx: number, len: number) => {
    const t = (total[endIdx] ?? 0) - (total[endIdx - len] ?? 0);
    const b = (bad[endIdx] ?? 0) - (bad[endIdx - len] ?? 0);
    return t === 0 ? 0 : b / t / budget;
  };
  const runMs = n * intervalMs;
  const rates: BurnRateReport[] = [];
  const notes: string[] = [];
  const tooLong: string[] = [];
  for (const w of cfg.windows) {
    const longMs = w.long * cfg.scale;
    const shortMs = w.short * cfg.scale;
    const label = `${span(longMs)}/${span(shortMs)} (workbook ${span(w.long)}/${span(w.short)})`;
    const longN = Math.max(1, Math.round(longMs / intervalMs));
    const shortN = Math.max(1, Math.round(shortMs / intervalMs));
    if (longN > n) {
      tooLong.push(span(longMs));
      continue;
    }
    let max = 0;
    let alert = false;
    for (let e = longN; e <= n; e++) {
      const long = burnOver(e, longN);
      if (long > max) max = long;
      if (long > w.threshold && burnOver(e, shortN) > w.threshold) alert = true;
    }
    rates.push({ window: label, burnRate: Math.round(max * 1000) / 1000, threshold: w.threshold, alert });
  }
  if (tooLong.length)
    notes.push(`burn-rate windows ${tooLong.join(', ')} not reported: the run (${span(runMs)}) is shorter`);
  return { rates, notes };
}
