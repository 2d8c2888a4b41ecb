/**
 * The SocialConnect target's capacity under the mixed workload of the load
 * suite (signed-in sessions: 70 % reads of feed, trending and the post list to
 * 20 % writes — posts with Idempotency-Key, likes, follows, comments — and 1 %
 * token refreshes), at rising fixed arrival rates, driven by rampart's own
 * engine (open model, latency from the intended send time, so coordinated
 * omission is corrected). The stack is the managed one (embedded PostgreSQL,
 * redis-server, the target cluster), seeded, without the fault proxy.
 *
 * Per rate it prints the achieved rate, p50/p95/p99 and the error rate, and
 * then the highest rate held at p95 < 200 ms with < 0.1 % errors. Two peers
 * climb the same ladder in the same run: GET /livez of the target (Express and
 * the platform middleware, no PostgreSQL or Redis work) and a bare Express app
 * with as many cluster workers answering a feed-sized page (bench/bare-express.ts),
 * so the mixed figure reads as a share of what this machine and this generator
 * can do at all at that moment.
 *
 *   npm run bench:target [-- --rates 50,100,200,300,400,600,800,1000 --duration 20s --peer-duration 10s --warmup 15s --workers 2 --users 2000 --posts 20000 --sessions 100]
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadEnvConfig } from '../common/index.ts';
import { loadSuite, parseScenario, runScenario } from '../scenarios/index.ts';
import type { Scenario, Step } from '../scenarios/index.ts';
import { startStack } from '../stack/index.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '50,100,200,300,400,600,800,1000' },
    duration: { type: 'string', default: '20s' },
    'peer-duration': { type: 'string', default: '10s' },
    warmup: { type: 'string', default: '15s' },
    sessions: { type: 'string', default: '100' },
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
      // Enough sessions that two arrivals of one session rarely overlap at the rates tried.
      count: Number(values.sessions),
      concurrency: 8,
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
const run = async (scenario: Scenario, baseUrl: string): Promise<Row> => {
  const out = await runScenario(scenario, { baseUrl, signal: controller.signal });
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

// The ladder: rising rates until two in a row are not held.
const ladder = async (label: string, make: (rate: number) => Scenario, url: string): Promise<Row[]> => {
  log(`\n${label}\n  rate  achieved   p50 ms   p95 ms   p99 ms   errors`);
  const out: Row[] = [];
  let misses = 0;
  for (const rate of rates) {
    if (controller.signal.aborted) break;
    const row = await run(make(rate), url);
    out.push(row);
    log(fmt(row));
    misses = held(row) ? 0 : misses + 1;
    if (misses >= 2) break; // two rates in a row not held: past the knee
  }
  return out;
};
const best = (rows: Row[]) => rows.filter(held).sort((a, b) => b.target - a.target)[0];
const describe = (rows: Row[]) => {
  const b = best(rows);
  const firstMiss = rows.find((r) => !held(r));
  const note = b && firstMiss && firstMiss.target < b.target ? ` (not monotonic: ${firstMiss.target} req/s was not held — the machine is noisy)` : '';
  const invalid = rows.some((r) => !r.valid) ? '; some rates were generator-bound (invalid): a floor, not a ceiling' : '';
  return `${b ? `${b.target} req/s (p95 ${b.p95.toFixed(1)} ms)` : 'none of the rates tried'}${note}${invalid}`;
};
const open = (rate: number, extra: Record<string, unknown>) => parseScenario({
  ...base, thresholds: {}, rate, preAllocatedVUs: Math.min(400, rate), maxVUs: Math.max(50, rate * 4), ...extra,
});

// Warm-up, not reported: JIT, PostgreSQL's and Redis's caches, the connections (the first seconds of a cold
// stack cost several times the steady state).
await run(open(rates[0] ?? 50, { duration: values.warmup }), stack.targetUrl);
const mixed = await ladder('mixed workload (signed-in sessions: 70 % reads / 20 % writes / 1 % refresh)', (rate) => open(rate, { duration: values.duration }), stack.targetUrl);
const peerOf = (name: string, path: string) => (rate: number) => open(rate, {
  name, setup: undefined, duration: values['peer-duration'], flows: [{ name, steps: [{ name: `GET ${path}`, path }] }],
});
const livez = await ladder('peer: GET /livez of the target (no PostgreSQL/Redis work)', peerOf('peer-livez', '/livez'), stack.targetUrl);

// The bare Express peer, in its own process with the target's worker count.
const bare = spawn(process.execPath, ['--import', 'tsx', new URL('./bare-express.ts', import.meta.url).pathname, values.workers], { stdio: ['pipe', 'pipe', 'inherit'] });
let bareRows: Row[] = [];
try {
  const bareUrl = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: bare.stdout });
    lines.once('line', (l) => resolve((JSON.parse(l) as { url: string }).url));
    bare.once('exit', (code) => reject(new Error(`bare Express peer exited (${code})`)));
  });
  bareRows = await ladder(`peer: bare Express, ${values.workers} cluster workers, GET /page (a feed-sized JSON page, nothing else)`, peerOf('peer-bare-express', '/page'), bareUrl);
} finally {
  bare.stdin.end();
  bare.kill('SIGTERM');
}

log('\nhighest rate held at p95 < 200 ms and < 0.1 % errors, measured in this run:');
log(`  mixed workload       ${describe(mixed)}`);
log(`  GET /livez (peer)    ${describe(livez)}`);
log(`  bare Express (peer)  ${describe(bareRows)}`);
const m = best(mixed)?.target ?? 0;
const l = best(livez)?.target ?? 0;
const e = best(bareRows)?.target ?? 0;
if (m && l && e) log(`  mixed / livez ${(m / l).toFixed(2)}, mixed / bare Express ${(m / e).toFixed(2)} (the top rate tried was ${rates[rates.length - 1]} req/s)`);
