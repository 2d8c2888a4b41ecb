import type { DrillDefinition, Objective, StopCondition } from './types.ts';

/**
 * The shipped drills. SLOs come from the architecture guide (p95 < 200 ms,
 * 99.9 % availability); steady-state bounds carry a 25 % tolerance for a
 * shared machine. Quick profiles keep each drill around 20-30 s.
 */
const steadyState: Objective[] = [
  { name: 'reads p95 within 200 ms (+25 % tolerance)', tag: 'read', metric: 'p95', op: '<=', value: 250 },
  { name: 'availability at least 99 %', tag: 'all', metric: 'availability', op: '>=', value: 0.99 },
  { name: 'writes p95 within 500 ms', tag: 'write', metric: 'p95', op: '<=', value: 500 },
];

const noHang: Objective = { name: 'no request hangs (every request answered within the timeout)', tag: 'all', metric: 'timeouts', op: '<=', value: 0 };
const readsAvailable = (value: number): Objective => ({ name: `reads available at least ${value * 100} %`, tag: 'read', metric: 'availability', op: '>=', value });
const writesSucceed = (value: number): Objective => ({ name: `writes succeed at least ${value * 100} %`, tag: 'write', metric: 'success', op: '>=', value });
const recovered: Objective[] = [readsAvailable(0.99), writesSucceed(0.99)];
const stopWhenReadsCollapse: StopCondition = {
  objective: { name: 'reads available at least 50 % (stop condition)', tag: 'read', metric: 'availability', op: '>=', value: 0.5 },
  windowSeconds: 3,
};

const common = {
  steadyState,
  load: { rate: { quick: 16, full: 40 }, writeFraction: 0.3 },
  steadySeconds: { quick: 3, full: 10 },
  observeSeconds: { quick: 6, full: 20 },
};

export const drills: readonly DrillDefinition[] = [
  {
    ...common,
    name: 'pg-latency',
    title: 'PostgreSQL 500 ms slow',
    description: 'Adds 500 ms to every PostgreSQL response. Reads served from cache keep p95 under 200 ms; writes get slower but do not fail.',
    method: [{ label: 'pg latency 500 ms', at: 0, duration: { quick: 8, full: 30 }, action: { kind: 'toxic', path: 'postgres', toxic: { type: 'latency', attributes: { latency: 500, jitter: 0 } } } }],
    during: [
      { name: 'cached reads p95 within 200 ms (+25 %)', tag: 'read', metric: 'p95', op: '<=', value: 250 },
      writesSucceed(0.99),
      // Every write pays several 500 ms round trips and queues for the bounded pool: slower, but answered.
      { name: 'writes p95 within 10 s (degraded, not failed)', tag: 'write', metric: 'p95', op: '<=', value: 10_000 },
      noHang,
    ],
    after: recovered,
    recoverWithinSeconds: 5,
    stopConditions: [stopWhenReadsCollapse],
  },
  {
    ...common,
    name: 'pg-down',
    title: 'PostgreSQL unreachable',
    description: 'The PostgreSQL path refuses connections for 15 s (8 s quick). Cached reads keep answering; writes fail fast with 503 + Retry-After, never time out; recovery under 5 s.',
    method: [{ label: 'pg down', at: 0, duration: { quick: 8, full: 15 }, action: { kind: 'down', path: 'postgres' } }],
    during: [
      readsAvailable(0.99),
      { name: 'failed writes answer 503 with Retry-After', tag: 'write', metric: 'fastFail', op: '>=', value: 0.99 },
      { name: 'writes fail fast (p99 within 1 s)', tag: 'write', metric: 'p99', op: '<=', value: 1000 },
      noHang,
    ],
    after: recovered,
    recoverWithinSeconds: 5,
    stopConditions: [stopWhenReadsCollapse],
  },
  {
    ...common,
    name: 'redis-down',
    title: 'Redis unreachable',
    description: 'The Redis path refuses connections. Reads fall back to PostgreSQL (availability of reads ≥ 99.9 %), rate limiting keeps working locally, nothing hangs.',
    method: [{ label: 'redis down', at: 0, duration: { quick: 8, full: 20 }, action: { kind: 'down', path: 'redis' } }],
    probes: [{ at: 3, probe: 'rate-limit-enforced' }],
    during: [readsAvailable(0.999), noHang],
    after: recovered,
    recoverWithinSeconds: 5,
    stopConditions: [stopWhenReadsCollapse],
  },
  {
    ...common,
    name: 'redis-latency',
    title: 'Redis 300 ms slow',
    description: 'Adds 300 ms to every Redis response. Redis calls time out and the breaker opens; reads stay available, nothing hangs.',
    method: [{ label: 'redis latency 300 ms', at: 0, duration: { quick: 8, full: 20 }, action: { kind: 'toxic', path: 'redis', toxic: { type: 'latency', attributes: { latency: 300, jitter: 0 } } } }],
    during: [readsAvailable(0.99), { name: 'reads p99 within 2 s', tag: 'read', metric: 'p99', op: '<=', value: 2000 }, noHang],
    after: recovered,
    recoverWithinSeconds: 5,
    stopConditions: [stopWhenReadsCollapse],
  },
  {
    ...common,
    name: 'network-reset',
    title: 'PostgreSQL connections reset',
    description: 'Every PostgreSQL connection is reset (TCP RST) as soon as the server answers. The pool recovers afterwards and no request hangs.',
    method: [{ label: 'pg reset_peer', at: 0, duration: { quick: 6, full: 15 }, action: { kind: 'toxic', path: 'postgres', toxic: { type: 'reset_peer', attributes: { timeout: 0 } } } }],
    during: [readsAvailable(0.99), noHang],
    after: recovered,
    recoverWithinSeconds: 5,
    stopConditions: [stopWhenReadsCollapse],
  },
  {
    ...common,
    name: 'bandwidth-squeeze',
    title: 'PostgreSQL path squeezed to 8 KB/s',
    description: 'PostgreSQL responses crawl at 8 KB/s. Reads stay available from cache, writes degrade, nothing hangs, and the system recovers.',
    method: [{ label: 'pg bandwidth 8 KB/s', at: 0, duration: { quick: 8, full: 20 }, action: { kind: 'toxic', path: 'postgres', toxic: { type: 'bandwidth', attributes: { rate: 8 } } } }],
    during: [readsAvailable(0.99), noHang],
    after: recovered,
    recoverWithinSeconds: 5,
    stopConditions: [stopWhenReadsCollapse],
  },
  {
    ...common,
    name: 'worker-crash',
    title: 'A target worker killed (-9) mid-load',
    description: 'kill -9 of one target worker while load runs. Availability stays at or above 99.9 % (idempotent retries on a dropped connection) and the cluster replaces the worker.',
    method: [{ label: 'kill -9 one worker', at: 1, duration: { quick: 6, full: 15 }, action: { kind: 'process', component: 'worker', op: 'kill' } }],
    during: [{ name: 'availability at least 99.9 %', tag: 'all', metric: 'availability', op: '>=', value: 0.999 }, noHang],
    after: recovered,
    recoverWithinSeconds: 5,
    stopConditions: [],
  },
  {
    ...common,
    name: 'pg-restart',
    title: 'PostgreSQL killed and restarted',
    description: 'kill -9 of PostgreSQL, restarted after a few seconds on the same data. Writes fail fast meanwhile; no acknowledged write is lost or duplicated.',
    method: [{ label: 'kill -9 postgres', at: 0, duration: { quick: 5, full: 10 }, action: { kind: 'process', component: 'postgres', op: 'kill' } }],
    during: [readsAvailable(0.99), noHang],
    after: recovered,
    recoverWithinSeconds: 10,
    stopConditions: [stopWhenReadsCollapse],
  },
];

export function findDrill(name: string): DrillDefinition | undefined {
  return drills.find((d) => d.name === name);
}
