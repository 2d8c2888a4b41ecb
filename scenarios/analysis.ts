import { mergeHistograms, percentileMs, type RunEvent, type RunRecordPart } from '../reports/index.ts';
import { parseDuration } from '../common/index.ts';
import type { Scenario } from './schema/scenario.ts';

const SLO_P95_MS = 200;

interface Second {
  ts: number;
  p95: number;
  count: number;
  failed: number;
  targetRate: number | null;
}

/** Per-second p95 over all tags (histograms merged, never averaged) with the intended rate beside it. */
export function perSecond(part: RunRecordPart, scenario: string): Second[] {
  const byTs = new Map<number, { hists: string[]; count: number; failed: number }>();
  for (const s of part.samples ?? []) {
    if (s.scenario !== scenario) continue;
    const e = byTs.get(s.ts) ?? { hists: [], count: 0, failed: 0 };
    e.hists.push(s.latency);
    e.count += s.count;
    e.failed += s.failed;
    byTs.set(s.ts, e);
  }
  const rates = new Map((part.engine ?? []).filter((e) => e.scenario === scenario).map((e) => [e.ts, e.targetRate]));
  return [...byTs.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([ts, e]) => ({
      ts,
      p95: percentileMs(mergeHistograms(e.hists), 95),
      count: e.count,
      failed: e.failed,
      targetRate: rates.get(ts) ?? null,
    }));
}

const bad = (s: Second) => s.p95 >= SLO_P95_MS || (s.count > 0 && s.failed / s.count > 0.01);

/** Stress: the highest intended rate held before p95 (or errors) broke for 3 s in a row. */
export function findKnee(seconds: Second[]): { kneeRate: number | null; brokeAt: number | null } {
  let held: number | null = null;
  for (let i = 0; i < seconds.length; i++) {
    const s = seconds[i] as Second;
    if (bad(s) && seconds.slice(i, i + 3).length === 3 && seconds.slice(i, i + 3).every(bad))
      return { kneeRate: held, brokeAt: s.ts };
    if (!bad(s) && s.targetRate !== null) held = Math.max(held ?? 0, s.targetRate);
  }
  return { kneeRate: held, brokeAt: null };
}

/** Spike: seconds from the end of the spike until p95 stays under the SLO for 5 s. */
export function recoveryAfter(seconds: Second[], spikeEnd: number): number | null {
  const after = seconds.filter((s) => s.ts >= Math.floor(spikeEnd / 1000) * 1000);
  for (let i = 0; i + 5 <= after.length; i++) {
    if (after.slice(i, i + 5).every((s) => !bad(s))) return Math.max(0, ((after[i] as Second).ts - spikeEnd) / 1000);
  }
  return null;
}

/** End of the spike: the end of the last stage that lowers the rate. */
export function spikeEndOffset(s: Scenario): number | null {
  if (s.executor !== 'ramping-arrival-rate') return null;
  let t = 0;
  let prev = s.startRate;
  let end: number | null = null;
  for (const st of s.stages) {
    t += parseDuration(st.duration);
    if (st.target < prev) end = t;
    prev = st.target;
  }
  return end;
}

async function targetRss(target: URL): Promise<number | null> {
  try {
    const res = await fetch(new URL('/metrics', target), { signal: AbortSignal.timeout(3000) });
    const text = await res.text();
    let sum = 0;
    let found = false;
    for (const m of text.matchAll(/^process_resident_memory_bytes(?:\{[^}]*\})?\s+([0-9.e+]+)/gm)) {
      sum += Number(m[1]);
      found = true;
    }
    return found ? sum : null;
  } catch {
    return null;
  }
}

/** Reads what the drift analysis needs before the run. */
export async function beforeRun(kind: string | undefined, target: URL): Promise<{ rss: number | null }> {
  return { rss: kind === 'drift' ? await targetRss(target) : null };
}

/** Adds the suite's analysis (knee, recovery, drift) to the part as notes and a 'note' event. */
export async function analyze(
  kind: string | undefined,
  scenario: Scenario,
  part: RunRecordPart,
  startedAt: number,
  target: URL,
  before: { rss: number | null },
): Promise<void> {
  if (!kind) return;
  const secs = perSecond(part, scenario.name);
  const notes = (part.notes ??= []);
  const events = (part.events ??= []);
  const event = (label: string, detail: Record<string, unknown>): RunEvent => ({
    ts: Date.now(),
    type: 'note',
    label,
    scenario: scenario.name,
    detail,
  });
  if (kind === 'knee') {
    const { kneeRate, brokeAt } = findKnee(secs);
    const label =
      brokeAt === null
        ? `stress: p95 stayed under ${SLO_P95_MS} ms up to ${kneeRate?.toFixed(0) ?? '?'} req/s (no knee within the ramp)`
        : `stress: knee at ${kneeRate?.toFixed(0) ?? '<start'} req/s (p95 broke ${SLO_P95_MS} ms at ${new Date(brokeAt).toISOString()})`;
    notes.push(label);
    events.push(event(label, { kneeRate, brokeAt }));
  } else if (kind === 'recovery') {
    const off = spikeEndOffset(scenario);
    if (off === null) return;
    const rec = recoveryAfter(secs, startedAt + off);
    const label =
      rec === null
        ? 'spike: did not recover under the SLO before the run ended'
        : `spike: recovered under p95 ${SLO_P95_MS} ms ${rec.toFixed(0)} s after the spike`;
    notes.push(label);
    events.push(event(label, { recoverySeconds: rec }));
  } else {
    const n = Math.max(1, Math.floor(secs.length / 10));
    const first = secs.slice(0, n).map((s) => s.p95);
    const last = secs.slice(-n).map((s) => s.p95);
    const median = (xs: number[]) =>
      xs.length ? ([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number) : 0;
    const rssAfter = await targetRss(target);
    const mem =
      before.rss !== null && rssAfter !== null
        ? `, target RSS ${(before.rss / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MB`
        : ', target RSS unavailable (/metrics)';
    const label = `soak: p95 drift ${median(first).toFixed(1)} → ${median(last).toFixed(1)} ms (first vs last tenth)${mem}`;
    notes.push(label);
    events.push(event(label, { p95First: median(first), p95Last: median(last), rssBefore: before.rss, rssAfter }));
  }
}
