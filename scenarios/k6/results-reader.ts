import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../common/index.ts';
import type { Outcome } from '../metrics/stats.ts';
import type { K6MetricType } from './k6-thresholds.ts';

/**
 * Reads one runner's `k6 run --out json=FILE` output (JSON lines, .gz accepted) into a point store shared
 * by all runners: every metric's Metric line (type, thresholds) and every Point (time, value, tags), kept
 * compactly so each threshold can be judged over exactly the points k6 would have fed its sink. The HTTP
 * requests are also turned into outcomes (status, expected_response, checks) for the run record.
 *
 * The format, as k6 writes it: `{"type":"Metric","data":{"name":"http_req_duration","type":"trend",
 * "contains":"time","thresholds":["p(95)<200"],...},"metric":"http_req_duration"}` once per metric, then
 * `{"metric":"http_req_duration","type":"Point","data":{"time":"2024-08-21T03:13:53.68-03:00","value":13.9,
 * "tags":{"name":"GET /x","status":"200","expected_response":"true","scenario":"load","group":""}}}`.
 * Requests made in setup() and teardown() carry no scenario tag and the group "::setup" / "::teardown".
 */

export class K6ResultsInvalidError extends InputError<'RAMPART_K6_RESULTS_INVALID'> {
  constructor(file: string, line: number, message: string) {
    super('RAMPART_K6_RESULTS_INVALID', `${file}:${line}: ${message}`, {
      hint: 'pass the files k6 wrote with `k6 run --out json=FILE` (JSON lines of {"type":"Metric"|"Point",...}; .gz accepted)',
    });
  }
}

/** A threshold as k6 writes it in a Metric line: a string, or {threshold, abortOnFail, delayAbortEval}. */
export interface ThresholdItem {
  threshold: string;
  abortOnFail?: boolean;
  delayAbortEval?: string;
}

export interface MetricInfo {
  type: K6MetricType | null;
  /** Thresholds of the metric as the files (or the suite) declare them. */
  thresholds: ThresholdItem[];
}

export interface Series {
  values: number[];
  times: number[];
  tagIds: number[];
}

/** Every runner's points, by metric; tag sets interned. */
export class PointStore {
  readonly metrics = new Map<string, MetricInfo>();
  readonly series = new Map<string, Series>();
  readonly tagSets: Array<Record<string, string>> = [];
  private readonly tagIndex = new Map<string, number>();
  firstMs = Infinity;
  lastMs = -Infinity;

  declare(metric: string, type: K6MetricType | null, thresholds: ThresholdItem[]): void {
    const info = this.metrics.get(metric) ?? { type: null, thresholds: [] };
    if (type !== null) info.type = type;
    for (const t of thresholds) if (!info.thresholds.some((x) => x.threshold === t.threshold)) info.thresholds.push(t);
    this.metrics.set(metric, info);
  }

  add(metric: string, t: number, value: number, tagsJson: string, tags: Record<string, string>): void {
    let id = this.tagIndex.get(tagsJson);
    if (id === undefined) {
      id = this.tagSets.length;
      this.tagSets.push(tags);
      this.tagIndex.set(tagsJson, id);
    }
    let s = this.series.get(metric);
    if (!s) {
      s = { values: [], times: [], tagIds: [] };
      this.series.set(metric, s);
    }
    s.values.push(value);
    s.times.push(t);
    s.tagIds.push(id);
    if (t < this.firstMs) this.firstMs = t;
    if (t > this.lastMs) this.lastMs = t;
  }
}

export interface K6Runner {
  file: string;
  requests: number;
  checks: number;
  dropped: number;
  firstMs: number | null;
  lastMs: number | null;
}

/** Where a point belongs in the run record: its scenario, or setup()/teardown(), or no scenario at all (k6 before v0.27). */
export function bucketOf(tags: Record<string, string | undefined>): string {
  if (tags.scenario !== undefined && tags.scenario !== '') return tags.scenario;
  if (tags.group === '::setup') return 'setup()';
  if (tags.group === '::teardown') return 'teardown()';
  return '(no scenario tag)';
}

export type Item =
  { t: number; scenario: string; kind: 'req'; o: Outcome } | { t: number; scenario: string; kind: 'drop'; n: number };

export interface FileRead {
  runner: K6Runner;
  items: Item[];
  orphanChecks: number;
  notes: string[];
}

const K6_TIMEOUT_CODES = new Set(['1050', '1211']);
const K6_REFUSED_CODES = new Set(['1212']);
const K6_RESET_CODES = new Set(['1220']);
const metricTypes = new Set(['trend', 'rate', 'counter', 'gauge']);

function errorKindOf(code: string | undefined): string {
  if (code === undefined) return 'other';
  if (K6_TIMEOUT_CODES.has(code)) return 'timeout';
  if (K6_REFUSED_CODES.has(code)) return 'refused';
  if (K6_RESET_CODES.has(code)) return 'reset';
  return 'other';
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new InputError('RAMPART_FILE_UNREADABLE', `cannot read k6 results "${file}": ${err.code ?? err.message}`, {
      hint: 'check the path',
    });
  });
  try {
    const buf = Buffer.alloc(2);
    await fh.read(buf, 0, 2, 0);
    return buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

function thresholdItems(raw: unknown): ThresholdItem[] {
  if (!Array.isArray(raw)) return [];
  const out: ThresholdItem[] = [];
  for (const t of raw) {
    if (typeof t === 'string') out.push({ threshold: t });
    else if (t !== null && typeof t === 'object' && typeof (t as ThresholdItem).threshold === 'string') {
      const o = t as { threshold: string; abortOnFail?: unknown; delayAbortEval?: unknown };
      out.push({
        threshold: o.threshold,
        ...(o.abortOnFail === true ? { abortOnFail: true } : {}),
        ...(typeof o.delayAbortEval === 'string' && o.delayAbortEval !== ''
          ? { delayAbortEval: o.delayAbortEval }
          : {}),
      });
    }
  }
  return out;
}

interface Line {
  type?: unknown;
  metric?: unknown;
  data?: Record<string, unknown>;
}

/** Reads one runner's file into the store; returns its requests as outcomes. */
export async function readRunnerFile(file: string, store: PointStore): Promise<FileRead> {
  const gz = await isGzip(file);
  const raw = createReadStream(file);
  const input = gz ? raw.pipe(createGunzip()) : raw;
  let endsWithNewline = true;
  input.on('data', (c: Buffer) => {
    if (c.length > 0) endsWithNewline = c[c.length - 1] === 0x0a;
  });
  // A read error of the raw file reaches the gunzip stream only through this.
  raw.on('error', (err) => input.destroy(err));
  const lines = createInterface({ input, crlfDelay: Infinity });
  const runner: K6Runner = { file, requests: 0, checks: 0, dropped: 0, firstMs: null, lastMs: null };
  const items: Item[] = [];
  const notes: string[] = [];
  // Checks follow their request in k6's output; each is attached to the last request of the same name
  // (or of the same scenario) in this runner's file.
  const lastByTag = new Map<string, Outcome>();
  const lastByScenario = new Map<string, Outcome>();
  let orphanChecks = 0;
  let n = 0;
  let unparsed: number | null = null;
  try {
    for await (const rawLine of lines) {
      n += 1;
      const line = rawLine.trim();
      if (line === '') continue;
      if (unparsed !== null) throw new K6ResultsInvalidError(file, unparsed, 'not a JSON line');
      let obj: Line;
      try {
        obj = JSON.parse(line) as Line;
      } catch {
        unparsed = n; // the last line of a runner stopped mid-write is skipped; any other is bad input
        continue;
      }
      if (
        typeof obj !== 'object' ||
        obj === null ||
        (obj.type !== 'Metric' && obj.type !== 'Point') ||
        typeof obj.metric !== 'string' ||
        typeof obj.data !== 'object' ||
        obj.data === null
      ) {
        throw new K6ResultsInvalidError(file, n, 'expected {"type":"Metric"|"Point","metric":"...","data":{...}}');
      }
      const metric = obj.metric;
      const data = obj.data;
      if (obj.type === 'Metric') {
        const type = typeof data.type === 'string' && metricTypes.has(data.type) ? (data.type as K6MetricType) : null;
        store.declare(metric, type, thresholdItems(data.thresholds));
        continue;
      }
      const t = typeof data.time === 'string' ? Date.parse(data.time) : Number.NaN;
      if (Number.isNaN(t))
        throw new K6ResultsInvalidError(file, n, `data.time ${JSON.stringify(data.time)} is not an RFC 3339 time`);
      const value = data.value;
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new K6ResultsInvalidError(file, n, `data.value ${JSON.stringify(value)} is not a number`);
      const tags = (data.tags !== null && typeof data.tags === 'object' ? data.tags : {}) as Record<string, string>;
      store.add(metric, t, value, JSON.stringify(tags), tags);
      if (runner.firstMs === null || t < runner.firstMs) runner.firstMs = t;
      if (runner.lastMs === null || t > runner.lastMs) runner.lastMs = t;
      const scenario = bucketOf(tags);
      if (metric === 'http_req_duration') {
        if (value < 0) throw new K6ResultsInvalidError(file, n, `http_req_duration ${value} is negative`);
        const tag = tags.name ?? `${tags.method ?? 'GET'} ${tags.url ?? '?'}`;
        const status = Number(tags.status ?? '0');
        const answered = Number.isInteger(status) && status > 0;
        const failed =
          tags.expected_response !== undefined ? tags.expected_response === 'false' : !answered || status >= 400;
        const o: Outcome = {
          tag,
          latencyMs: value,
          status: answered ? status : null,
          errorKind: answered ? null : errorKindOf(tags.error_code),
          failed,
          checksPassed: 0,
          checksFailed: 0,
          late: false,
        };
        items.push({ t, scenario, kind: 'req', o });
        lastByTag.set(`${scenario}\u0000${tag}`, o);
        lastByScenario.set(scenario, o);
        runner.requests += 1;
      } else if (metric === 'checks') {
        const check = tags.check ?? '';
        const named = tags.name ?? (check.includes(': ') ? check.slice(0, check.indexOf(': ')) : undefined);
        const o =
          (named !== undefined ? lastByTag.get(`${scenario}\u0000${named}`) : undefined) ??
          lastByScenario.get(scenario);
        runner.checks += 1;
        if (!o) {
          orphanChecks += 1;
          continue;
        }
        if (value !== 0) o.checksPassed += 1;
        else o.checksFailed += 1;
      } else if (metric === 'dropped_iterations') {
        items.push({ t, scenario, kind: 'drop', n: Math.round(value) });
        runner.dropped += Math.round(value);
      }
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (gz && typeof e.code === 'string' && e.code.startsWith('Z_')) {
      throw new K6ResultsInvalidError(
        file,
        n,
        `the gzip stream is cut off or corrupt (${e.code}: ${e.message}); ${n} lines were read before it`,
      );
    }
    if (e.code === 'EISDIR' || e.code === 'ENOENT' || e.code === 'EACCES') {
      throw new InputError('RAMPART_FILE_UNREADABLE', `cannot read k6 results "${file}": ${e.code}`, {
        hint: 'check the path',
      });
    }
    throw err;
  }
  if (unparsed !== null) {
    if (endsWithNewline) throw new K6ResultsInvalidError(file, unparsed, 'not a JSON line');
    notes.push(`${file}: the last line (${unparsed}) is cut off (the runner stopped mid-write?) and was skipped`);
  }
  return { runner, items, orphanChecks, notes };
}
