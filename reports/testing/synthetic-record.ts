import { createLatencyHistogram, encodeHistogram, recordMs } from '../histogram.ts';
import type { RunRecord, Sample } from '../run-record.ts';
import { runRecordSchema } from '../run-record.ts';

/**
 * Builds run records with real HdrHistograms, for tests and benchmarks:
 * every request is recorded into its bucket's histogram exactly as the engine
 * does, so evaluation and renderers read the same encoding they will in a run.
 */
export interface SyntheticOptions {
  seconds: number;
  startedAt?: number;
  scenario?: string;
  tags?: string[];
  /** Requests per second per tag. */
  rps?: number;
  /** Latency (ms) of request i in second t for tag. */
  latencyMs?: (t: number, i: number, tag: string) => number;
  /** Whether request i of second t fails (and its status class). */
  failure?: (t: number, i: number, tag: string) => null | '4xx' | '5xx' | 'net';
  seed?: number;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticSamples(o: SyntheticOptions): Sample[] {
  const start = o.startedAt ?? Date.UTC(2026, 0, 1, 12, 0, 0);
  const rnd = mulberry32(o.seed ?? 1);
  const tags = o.tags ?? ['GET /v1/feed'];
  const rps = o.rps ?? 50;
  const latency = o.latencyMs ?? (() => 20 + rnd() * 60);
  const samples: Sample[] = [];
  for (let t = 0; t < o.seconds; t++) {
    for (const tag of tags) {
      const h = createLatencyHistogram();
      const s: Sample = {
        ts: start + t * 1000,
        scenario: o.scenario ?? 'load',
        tag,
        count: 0,
        failed: 0,
        status: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, net: 0 },
        checks: { passed: 0, failed: 0 },
        late: 0,
        dropped: 0,
        codes: {},
        retryAfter503: 0,
        latency: '',
      };
      for (let i = 0; i < rps; i++) {
        recordMs(h, latency(t, i, tag));
        s.count++;
        const f = o.failure?.(t, i, tag) ?? null;
        if (f) {
          s.failed++;
          s.status[f]++;
          s.checks.failed++;
        } else {
          s.status['2xx']++;
          s.checks.passed++;
        }
      }
      s.latency = encodeHistogram(h);
      h.destroy();
      samples.push(s);
    }
  }
  return samples;
}

/** A whole run record around synthetic samples (engine series with a target rate included). */
export function syntheticRecord(o: SyntheticOptions, extra: Partial<RunRecord> = {}): RunRecord {
  const start = o.startedAt ?? Date.UTC(2026, 0, 1, 12, 0, 0);
  const samples = syntheticSamples({ ...o, startedAt: start });
  const rate = (o.rps ?? 50) * (o.tags?.length ?? 1);
  return runRecordSchema.parse({
    format: 'rampart.run-record',
    version: 1,
    id: `synthetic-${o.seed ?? 1}`,
    meta: {
      command: 'synthetic',
      profile: 'test',
      target: 'http://127.0.0.1:1',
      startedAt: start,
      endedAt: start + o.seconds * 1000,
      gitCommit: null,
      rampartVersion: '0.0.0',
      node: process.version,
      platform: 'test',
      cpus: 2,
      cpuModel: 'test',
      memoryBytes: 1,
      hostname: 'test',
    },
    samples,
    engine: Array.from({ length: o.seconds }, (_, t) => ({
      ts: start + t * 1000,
      scenario: o.scenario ?? 'load',
      targetRate: rate,
      started: rate,
      vus: null,
      loopLagP99Ms: 1,
      cpu: 0.1,
    })),
    ...extra,
  });
}
