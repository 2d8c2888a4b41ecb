import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../common/index.ts';
import { summarize, type RunEvent, type RunRecordPart, type ScenarioSummary, type ThresholdResult } from '../../reports/index.ts';
import { Aggregator } from '../metrics/aggregator.ts';
import type { Outcome } from '../metrics/stats.ts';
import { parseThresholds } from '../thresholds/parse.ts';
import { parseDuration } from '../../common/index.ts';

/**
 * The way back from k6: reads the JSON lines k6 writes with `k6 run --out json=FILE`
 * (one file per runner, as k6-operator's execution segments produce), and folds the
 * raw points of every runner into one run record — HdrHistograms per request tag
 * and second, filled from the raw values, so the merge is exact — with k6's
 * thresholds judged over the merged whole (k6-operator judges each runner alone).
 *
 * Read from k6's documented format: `{"type":"Metric","data":{"type":"trend",
 * "thresholds":["p(95)<200"],...},"metric":"http_req_duration"}` and
 * `{"type":"Point","data":{"time":"2017-05-09T14:34:45.239531499+02:00","value":459.86,
 * "tags":{"name":"GET /x","method":"GET","status":"200","expected_response":"true","scenario":"load"}},
 * "metric":"http_req_duration"}`. Used: http_req_duration (one point per request: latency,
 * status, expected_response, error_code), checks (0/1 with the check name), dropped_iterations.
 */

export class K6ResultsInvalidError extends InputError<'RAMPART_K6_RESULTS_INVALID'> {
  constructor(file: string, line: number, message: string) {
    super('RAMPART_K6_RESULTS_INVALID', `${file}:${line}: ${message}`, {
      hint: 'pass the files k6 wrote with `k6 run --out json=FILE` (JSON lines of {"type":"Metric"|"Point",...}; .gz accepted)',
    });
  }
}

export interface K6ImportOptions {
  /** Thresholds per scenario name (k6 syntax), e.g. from the suite the script was exported from; merged with those the files declare. */
  thresholds?: Record<string, Record<string, unknown[]>>;
  /** Sliding windows (seconds) thresholds are also judged over, as in the engine (default none: whole run). */
  thresholdWindows?: number[];
}

export interface K6Runner {
  file: string;
  requests: number;
  checks: number;
  dropped: number;
  firstMs: number | null;
  lastMs: number | null;
}

export interface K6ImportResult {
  part: RunRecordPart;
  summaries: ScenarioSummary[];
  thresholds: ThresholdResult[];
  runners: K6Runner[];
  startedAt: number;
  endedAt: number;
}

type Item =
  | { t: number; scenario: string; kind: 'req'; o: Outcome }
  | { t: number; scenario: string; kind: 'drop'; n: number };

const K6_TIMEOUT_CODES = new Set(['1050', '1211']);
const K6_REFUSED_CODES = new Set(['1212']);
const K6_RESET_CODES = new Set(['1220']);

function errorKindOf(code: string | undefined): string {
  if (code === undefined) return 'other';
  if (K6_TIMEOUT_CODES.has(code)) return 'timeout';
  if (K6_REFUSED_CODES.has(code)) return 'refused';
  if (K6_RESET_CODES.has(code)) return 'reset';
  return 'other';
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new InputError('RAMPART_FILE_UNREADABLE', `cannot read k6 results "${file}": ${err.code ?? err.message}`, { hint: 'check the path' });
  });
  try {
    const buf = Buffer.alloc(2);
    await fh.read(buf, 0, 2, 0);
    return buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

interface FileRead {
  runner: K6Runner;
  items: Item[];
  /** Threshold expressions the file's Metric lines declare, by metric key. */
  declared: Map<string, string[]>;
  orphanChecks: number;
}

async function readRunnerFile(file: string): Promise<FileRead> {
  const input = (await isGzip(file)) ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  const runner: K6Runner = { file, requests: 0, checks: 0, dropped: 0, firstMs: null, lastMs: null };
  const items: Item[] = [];
  const declared = new Map<string, string[]>();
  // Checks follow their request in k6's output; they are attached to the last request of the same tag
  // (or of the scenario) in this runner's file: exact per scenario, the request's tag where the check names it.
  const lastByTag = new Map<string, Outcome>();
  const lastByScenario = new Map<string, Outcome>();
  let orphanChecks = 0;
  let n = 0;
  for await (const raw of lines) {
    n += 1;
    const line = raw.trim();
    if (line === '') continue;
    let obj: { type?: unknown; metric?: unknown; data?: Record<string, unknown> };
    try {
      obj = JSON.parse(line) as typeof obj;
    } catch {
      throw new K6ResultsInvalidError(file, n, 'not a JSON line');
    }
    if (typeof obj !== 'object' || obj === null || (obj.type !== 'Metric' && obj.type !== 'Point') || typeof obj.metric !== 'string' || typeof obj.data !== 'object' || obj.data === null) {
      throw new K6ResultsInvalidError(file, n, 'expected {"type":"Metric"|"Point","metric":"...","data":{...}}');
    }
    const metric = obj.metric;
    const data = obj.data;
    if (obj.type === 'Metric') {
      const th = data.thresholds;
      if (Array.isArray(th) && th.length > 0) {
        const list = declared.get(metric) ?? [];
        for (const t of th) if (typeof t === 'string' && !list.includes(t)) list.push(t);
        declared.set(metric, list);
      }
      continue;
    }
    if (metric !== 'http_req_duration' && metric !== 'checks' && metric !== 'dropped_iterations') continue;
    const t = typeof data.time === 'string' ? Date.parse(data.time) : Number.NaN;
    if (Number.isNaN(t)) throw new K6ResultsInvalidError(file, n, `data.time ${JSON.stringify(data.time)} is not an RFC 3339 time`);
    const value = data.value;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new K6ResultsInvalidError(file, n, `data.value ${JSON.stringify(value)} is not a non-negative number`);
    const tags = (data.tags ?? {}) as Record<string, string | undefined>;
    const scenario = tags.scenario ?? 'default';
    if (runner.firstMs === null || t < runner.firstMs) runner.firstMs = t;
    if (runner.lastMs === null || t > runner.lastMs) runner.lastMs = t;
    if (metric === 'http_req_duration') {
      const tag = tags.name ?? `${tags.method ?? 'GET'} ${tags.url ?? '?'}`;
      const status = Number(tags.status ?? '0');
      const answered = Number.isInteger(status) && status > 0;
      const failed = tags.expected_response !== undefined ? tags.expected_response === 'false' : !answered || status >= 400;
      const o: Outcome = {
        tag, latencyMs: value, status: answered ? status : null, errorKind: answered ? null : errorKindOf(tags.error_code),
        failed, checksPassed: 0, checksFailed: 0, late: false,
      };
      items.push({ t, scenario, kind: 'req', o });
      lastByTag.set(`${scenario}\u0000${tag}`, o);
      lastByScenario.set(scenario, o);
      runner.requests += 1;
    } else if (metric === 'checks') {
      const check = tags.check ?? '';
      const named = tags.name ?? (check.includes(': ') ? check.slice(0, check.indexOf(': ')) : undefined);
      const o = (named !== undefined ? lastByTag.get(`${scenario}\u0000${named}`) : undefined) ?? lastByScenario.get(scenario);
      runner.checks += 1;
      if (!o) {
        orphanChecks += 1;
        continue;
      }
      if (value > 0) o.checksPassed += 1;
      else o.checksFailed += 1;
    } else {
      items.push({ t, scenario, kind: 'drop', n: Math.round(value) });
      runner.dropped += Math.round(value);
    }
  }
  return { runner, items, declared, orphanChecks };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** Reads every runner's file, merges their raw points and judges the thresholds over the whole. */
export async function importK6Results(files: string[], options: K6ImportOptions = {}): Promise<K6ImportResult> {
  if (files.length === 0) throw new InputError('RAMPART_K6_RESULTS_INVALID', 'no k6 results given', { hint: 'rampart k6 import runner-0.json runner-1.json ...' });
  const reads: FileRead[] = [];
  for (const f of files) reads.push(await readRunnerFile(f));
  const items = reads.flatMap((r) => r.items).sort((a, b) => a.t - b.t);
  if (items.length === 0) throw new K6ResultsInvalidError(files.join(', '), 0, 'no http_req_duration points: was the file written by `k6 run --out json=FILE` with HTTP requests?');
  const startedAt = (items[0] as Item).t;
  const endedAt = Math.max(...reads.map((r) => r.runner.lastMs ?? startedAt)) + 1;

  // Thresholds: the suite's for its scenarios, plus what the files' Metric lines declare (they apply to every scenario).
  const declared: Record<string, string[]> = {};
  for (const r of reads) {
    for (const [k, list] of r.declared) {
      const into = (declared[k] ??= []);
      for (const e of list) if (!into.includes(e)) into.push(e);
    }
  }
  const scenarios = [...new Set(items.map((i) => i.scenario))];
  const windows = options.thresholdWindows ?? [];
  const aggs = new Map<string, Aggregator>();
  for (const name of scenarios) {
    const spec: Record<string, unknown[]> = { ...(options.thresholds?.[name] ?? {}) };
    for (const [k, list] of Object.entries(declared)) spec[k] = [...(spec[k] ?? []), ...list.filter((e) => !(spec[k] ?? []).includes(e))];
    let parsed;
    try {
      parsed = parseThresholds(spec as never, (d) => parseDuration(d));
    } catch (err) {
      throw new InputError('RAMPART_K6_RESULTS_INVALID', `a threshold of scenario ${name} cannot be judged: ${(err as Error).message}`, { hint: 'rampart judges http_req_duration, http_req_failed, checks, http_reqs, dropped_iterations' });
    }
    aggs.set(name, new Aggregator(name, parsed, windows, startedAt));
  }

  // Fed in time order with the buckets closed second by second, so sliding windows are judged as in a live run.
  let nextFlush = Math.floor(startedAt / 1000) * 1000 + 1000;
  for (const it of items) {
    while (it.t >= nextFlush) {
      for (const a of aggs.values()) a.flush(nextFlush);
      nextFlush += 1000;
    }
    const agg = aggs.get(it.scenario) as Aggregator;
    if (it.kind === 'req') agg.record(it.o, it.t);
    else for (let k = 0; k < it.n; k++) agg.recordDropped('dropped_iterations', it.t);
  }
  for (const a of aggs.values()) a.flush(endedAt, true);

  const durationMs = Math.max(1, endedAt - startedAt);
  const summaries: ScenarioSummary[] = [];
  const thresholds: ThresholdResult[] = [];
  const samples: NonNullable<RunRecordPart['samples']> = [];
  const events: RunEvent[] = [];
  for (const [name, agg] of aggs) {
    const all = agg.allStats();
    const lat = summarize(all.hist);
    const capped = (v: number) => Math.min(v, lat.max);
    const sc = items.filter((i) => i.scenario === name);
    const first = (sc[0] as Item).t;
    const last = (sc[sc.length - 1] as Item).t;
    summaries.push({
      scenario: name, executor: 'k6', startedAt: first, endedAt: last,
      requests: all.count, errors: all.failed, late: 0, dropped: all.dropped,
      rate: { target: null, achieved: round2(((all.count - all.dropped) * 1000) / Math.max(1000, last - first)) },
      latencyMs: { p50: capped(lat.p50), p90: capped(lat.p90), p95: capped(lat.p95), p99: capped(lat.p99), p999: capped(lat.p999), max: lat.max },
      checks: { passed: all.checksPassed, failed: all.checksFailed },
      codes: { ...(all as { codes?: Record<string, number> }).codes },
      valid: true, invalidReasons: [],
    } as ScenarioSummary);
    thresholds.push(...agg.results(Math.max(1000, last - first)));
    samples.push(...agg.samples);
    events.push({ ts: first, type: 'phase.started', label: `${name} (k6, ${reads.length} runner${reads.length === 1 ? '' : 's'})`, id: name, scenario: name, detail: { executor: 'k6' } });
    events.push({ ts: last, type: 'phase.ended', label: name, id: name, scenario: name });
  }
  samples.sort((a, b) => a.ts - b.ts);
  const notes = reads.map((r, i) => `k6 runner ${i + 1} (${r.runner.file}): ${r.runner.requests} requests, ${r.runner.checks} checks, ${r.runner.dropped} dropped iterations`
    + (r.runner.firstMs !== null ? `, ${new Date(r.runner.firstMs).toISOString()} to ${new Date(r.runner.lastMs as number).toISOString()}` : '')
    + (r.orphanChecks > 0 ? `; ${r.orphanChecks} checks before any request were not counted` : ''));
  notes.push(`k6 import: thresholds judged over the merged points of ${reads.length} runner(s), not per runner`);
  return {
    part: { scenarios: scenarios.map((name) => ({ name, executor: 'k6' })), samples, events, summaries, thresholds, notes },
    summaries, thresholds, runners: reads.map((r) => r.runner), startedAt, endedAt: Math.max(endedAt, startedAt + durationMs),
  };
}
