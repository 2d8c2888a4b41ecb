/**
 * The SocialConnect target under the mixed workload (70 % reads of feed,
 * trending and the post list; 20 % writes: posts with Idempotency-Key, likes,
 * comments; 10 % logins) at rising fixed arrival rates, driven by rampart's own
 * engine (scenarios/ runScenario: open model, latency measured from the
 * intended send time, so coordinated omission is corrected — unlike
 * autocannon's rate mode). The stack is the managed one (startStack: embedded
 * PostgreSQL, redis-server, the target cluster), seeded, without the fault
 * proxy. Per rate it prints achieved rate, p50/p95/p99 and error rate, then the
 * highest rate held at p95 < 200 ms with < 0.1 % errors, and — as a peer
 * measured in the same run — GET /livez (no PostgreSQL/Redis work) at that rate.
 *
 *   npm run bench:target [-- --rates 25,50,100,150,200,300 --duration 20s --workers 2 --users 2000 --posts 20000]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadEnvConfig } from '../common/index.ts';
import { loadSuite, parseScenario, runScenario } from '../scenarios/index.ts';
import type { Scenario, Step } from '../scenarios/index.ts';
import { startStack } from '../stack/index.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '25,50,100,150,200,300' },
    duration: { type: 'string', default: '20s' },
    workers: { type: 'string', default: '2' },
    users: { type: 'string', default: '2000' },
    posts: { type: 'string', default: '20000' },
  },
});
const rates = values.rates.split(',').map(Number).filter((n) => n > 0);
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());

const parseStep = (raw: Record<string, unknown>): Step => ({ method: 'GET', headers: {}, checks: [], captures: {}, repeat: 1, ...raw }) as unknown as Step;
const suite = loadSuite('load', 'quick');
const loaded = suite.scenarios[0] as Scenario;
// Setup per virtual user: the suite's register/login/post steps, then follow the author of the newest
// post (an active seeded account), so every feed read has followees with posts.
const setupSteps = (loaded.setup?.users?.steps ?? []).filter((st) => !st.path.includes('/follow'));
const base: Scenario = {
  ...loaded,
  setup: {
    users: {
      count: loaded.setup?.users?.count ?? 40,
      concurrency: loaded.setup?.users?.concurrency ?? 4,
      steps: [
        ...setupSteps,
        parseStep({ name: 'GET /v1/posts', path: '/v1/posts?limit=5', headers: { authorization: 'Bearer {{user.accessToken}}' }, captures: { followee: { json: 'items[4].authorId' } } }),
        parseStep({ name: 'POST /v1/users/{id}/follow', method: 'POST', path: '/v1/users/{{user.followee}}/follow', headers: { authorization: 'Bearer {{user.accessToken}}' }, expectStatus: [200, 201] }),
      ],
    },
  },
};
const log = (s: string) => process.stdout.write(`${s}\n`);

log(`hardware: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}, node ${process.version}`);
log(`date: ${new Date().toISOString()}; engine: rampart scenarios/ runScenario (constant-arrival-rate, coordinated-omission corrected)`);
const t0 = performance.now();
await using stack = await startStack({
  workers: Number(values.workers),
  env: loadEnvConfig({}),
  proxy: false,
  seed: { users: Number(values.users), posts: Number(values.posts) },
  targetEnv: { ...suite.stack.targetEnv, LOG_LEVEL: 'warn', LOGIN_MAX_FAILURES_PER_IP: '1000000' },
  signal: controller.signal,
});
log(`stack: ${values.workers} workers at ${stack.targetUrl}, seeded ${values.users} users / ${values.posts} posts, up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

interface Row {
  target: number;
  achieved: number;
  p50: number;
  p95: number;
  p99: number;
  errorRate: number;
  valid: boolean;
}
const rows: Row[] = [];
const run = async (scenario: Scenario): Promise<Row> => {
  const out = await runScenario(scenario, { baseUrl: stack.targetUrl, signal: controller.signal });
  const s = out.summary;
  return {
    target: s.rate.target ?? 0,
    achieved: s.rate.achieved,
    p50: s.latencyMs.p50,
    p95: s.latencyMs.p95,
    p99: s.latencyMs.p99,
    errorRate: s.requests ? (s.errors + s.dropped) / (s.requests + s.dropped) : 1,
    valid: s.valid,
  };
};
const held = (r: Row) => r.p95 < 200 && r.errorRate < 0.001 && r.achieved >= r.target * 0.95;
const fmt = (r: Row) =>
  `${String(r.target).padStart(6)} ${r.achieved.toFixed(1).padStart(9)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${(r.errorRate * 100).toFixed(2).padStart(7)}%  ${held(r) ? 'held' : 'NOT held'}${r.valid ? '' : ' (generator-bound: invalid)'}`;

log('\n  rate  achieved   p50 ms   p95 ms   p99 ms   errors');
let misses = 0;
for (const rate of rates) {
  if (controller.signal.aborted) break;
  const scenario = parseScenario({ ...base, thresholds: {}, rate, duration: values.duration, preAllocatedVUs: Math.min(400, rate), maxVUs: Math.max(50, rate * 4) });
  const row = await run(scenario);
  rows.push(row);
  log(fmt(row));
  misses = held(row) ? 0 : misses + 1;
  if (misses >= 2) break; // two rates in a row not held: past the knee
}
const best = rows.filter(held).sort((a, b) => b.target - a.target)[0];
log(`\nhighest rate held (p95 < 200 ms, errors < 0.1 %): ${best ? `${best.target} req/s (p95 ${best.p95.toFixed(1)} ms)` : 'none of the rates tried'}`);
const firstMiss = rows.find((r) => !held(r));
if (best && firstMiss && firstMiss.target < best.target) {
  log(`  (not monotonic: ${firstMiss.target} req/s was not held — the machine is noisy; every rate below ${firstMiss.target} req/s held)`);
}

if (best && !controller.signal.aborted) {
  const peer = parseScenario({
    ...base,
    name: 'peer-livez',
    setup: undefined,
    thresholds: {},
    flows: [{ name: 'livez', steps: [{ name: 'GET /livez', path: '/livez' }] }],
    rate: best.target,
    duration: '10s',
    preAllocatedVUs: Math.min(400, best.target),
    maxVUs: Math.max(50, best.target * 4),
  });
  const p = await run(peer);
  log(`peer at ${best.target} req/s — GET /livez (no PG/Redis): p50 ${p.p50.toFixed(1)} ms, p95 ${p.p95.toFixed(1)} ms; mixed workload p95 is ${(best.p95 / Math.max(p.p95, 0.001)).toFixed(1)}× the peer's`);
}
