// The environment variables the benchmarks read, parsed once here (bad values are named, not turned into NaN).
import { z } from 'zod';
import { deepFreeze, parseOrThrow } from '../common/index.ts';

const count = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const flag = z.enum(['0', '1']).default('1');

const benchEnvSchema = z.object({
  BENCH_CONNECTIONS: count(50),
  BENCH_SECONDS: count(5),
  BENCH_ROUNDS: count(3),
  /** Sections of bench:engine to run, e.g. "1,2" (all when unset). */
  BENCH_ONLY: z
    .string()
    .regex(/^\s*[1-5](\s*,\s*[1-5])*\s*$/, 'must list sections 1-5, like 1,2')
    .optional(),
  BENCH_PIN: flag,
  BENCH_RSS: flag,
  /** Runs rampart from the TypeScript sources even when a current build exists (as bin/rampart.js reads it). */
  RAMPART_FROM_SOURCE: z.enum(['0', '1']).optional(),
  /** A real Toxiproxy server binary for bench:proxy's third path. */
  TOXIPROXY_BIN: z.string().min(1).optional(),
});

export interface BenchConfig {
  readonly connections: number;
  readonly seconds: number;
  readonly rounds: number;
  /** Sections to run; null for all. */
  readonly only: readonly number[] | null;
  readonly pin: boolean;
  readonly rss: boolean;
  readonly fromSource: boolean;
  readonly toxiproxyBin: string | undefined;
}

export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const e = parseOrThrow(benchEnvSchema, env, {
    code: 'RAMPART_CONFIG_INVALID',
    what: 'benchmark environment',
    hint: 'fix or unset the named variable',
  });
  return deepFreeze({
    connections: e.BENCH_CONNECTIONS,
    seconds: e.BENCH_SECONDS,
    rounds: e.BENCH_ROUNDS,
    only: e.BENCH_ONLY ? e.BENCH_ONLY.split(',').map((x) => Number(x.trim())) : null,
    pin: e.BENCH_PIN === '1',
    rss: e.BENCH_RSS === '1',
    fromSource: e.RAMPART_FROM_SOURCE === '1',
    toxiproxyBin: e.TOXIPROXY_BIN,
  });
}
