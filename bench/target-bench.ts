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
 * Per rate it also prints the CPU each process spent per request (target workers, PostgreSQL with its
 * backends, Redis, this generator) and the load average: on a shared machine the held rate moves with the
 * neighbours, the CPU per request much less.
 *
 *   npm run bench:target [-- --rates 50,100,200,300,400,600,800,1000 --duration 20s --peer-duration 10s --warmup 15s --workers 2 --users 2000 --posts 20000 --sessions 100 --peers livez,bare]
 */
import { spawn } from 'node:child_process';
import { childrenOf, procCpuMs } from './proc-stats.ts';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadEnvConfig } from '../common/index.ts';
import { loadSuite, parseScenario, runScenario } from '../scenarios/index.ts';
import type { Scenario } from '../scenarios/index.ts';
import { startStack } from '../stack/index.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '50,100,200,300,400,600,800,1000' },
    duration: { type: 'string', default: '20s' },
    'peer-duration': { type: 'string', default: '10s' },
    warmup: { type: 'string', default: '15s' },
    sessions: { type: 'string', default: '100' },
    peers: { type: 'string', default: 'livez,bare' },
    workers: { type: 'string', default: '2' },
    users: { type: 'string', default: '2000' },
    posts: { type: 'string', default: '20000' },
  },
});
const rates = values.rates
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());

const suite = loadSuite('load', 'quick');
const loaded = suite.scenarios[0] as Scenario;
// The sessions are set up once, before the ladder, and shared by every rate (a scenario's own setup phase
// would log them in again before each rate): the suite's register/login/post, then a follow of an active
// seeded author, so every feed read has followees with posts.
const base: Scenario = { ...loaded, setup: undefined };
const log = (s: string) => process.stdout.write(`${s}\n`);

log(
  `hardware: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}, node ${process.version}`,
);
log(
  `date: ${new Date().toISOString()}; engine: rampart scenarios/ runScenario (constant-arrival-rate, coordinated-omission corrected)`,
);
const t0 = performance.now();
await using stack = await startStack({
  workers: Number(values.workers),
  env: loadEnvConfig({}),
  proxy: false,
  seed: { users: Number(values.users), posts: Number(values.posts) },
  targetEnv: { ...suite.stack.targetEnv, LOG_LEVEL: 'warn', LOGIN_MAX_FAILURES_PER_IP: '1000000' },
  signal: controller.signal,
});
log(
  `stack: ${values.workers} workers at ${stack.targetUrl}, seeded ${values.users} users / ${values.posts} posts, up in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

// Setup requests are retried (5 attempts, backoff) on 5xx and network errors: on a crowded machine a
// Redis command can time out during setup, and a failed setup would measure nothing.
const sessions: Array<Record<string, unknown>> = [];
{
  const runId = Math.random().toString(36).slice(2, 8);
  const send = async (
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; json: Record<string, unknown> }> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(stack.targetUrl + path, {
          method,
          headers: {
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(method === 'POST' && path === '/v1/posts' ? { 'idempotency-key': crypto.randomUUID() } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        if (res.status < 500 || attempt >= 5)
          return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
      } catch (err) {
        if (attempt >= 5) throw err;
      }
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  };
  const expectOk = (what: string, r: { status: number; json: Record<string, unknown> }) => {
    if (r.status >= 300) throw new Error(`session setup: ${what} answered ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  const t1 = performance.now();
  let next = 0;
  const count = Number(values.sessions);
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        const i = next++;
        const email = `bench-${runId}-${i}@example.test`;
        const reg = expectOk(
          'register',
          await send('POST', '/v1/auth/register', { email, password: 'password123!', handle: `bench_${runId}_${i}` }),
        );
        const login = expectOk('login', await send('POST', '/v1/auth/login', { email, password: 'password123!' }));
        const token = login.accessToken as string;
        const post = expectOk('post', await send('POST', '/v1/posts', { body: `seed post by ${i}` }, token));
        const list = expectOk('post list', await send('GET', '/v1/posts?limit=50', undefined, token));
        const own = (reg.user as { id: string }).id;
        const followee = (list.items as Array<{ authorId: string }>).find((p) => p.authorId !== own)?.authorId;
        if (followee) expectOk('follow', await send('POST', `/v1/users/${followee}/follow`, undefined, token));
        sessions[i] = {
          index: i,
          id: own,
          email,
          accessToken: token,
          refreshToken: login.refreshToken,
          postId: post.id,
        };
      }
    }),
  );
  log(
    `sessions: ${count} logged in once (register, login, post, follow) in ${((performance.now() - t1) / 1000).toFixed(1)} s, shared by every rate`,
  );
}

// CPU time from /proc (bench/proc-stats.ts): the target's workers and primary, PostgreSQL's postmaster and
// its backends, Redis, and this process (the generator).
type CpuSample = Record<'target' | 'postgres' | 'redis' | 'generator', number>;
/** The stack's processes, or (given a pid) that peer process and its cluster workers. */
const cpuNow = (peerPid?: number): CpuSample => {
  const pids = stack.pids as Record<string, number | number[]>;
  const list = (k: string) => [pids[k] ?? []].flat();
  const sum = (ps: number[]) => ps.reduce((a, p) => a + procCpuMs(p), 0);
  const pg = list('postgres');
  const self = process.cpuUsage();
  return {
    target: peerPid ? sum([peerPid, ...childrenOf(peerPid)]) : sum([...list('target'), ...list('workers')]),
    postgres: peerPid ? 0 : sum([...pg, ...pg.flatMap(childrenOf)]),
    redis: peerPid ? 0 : sum(list('redis')),
    generator: (self.user + self.system) / 1000,
  };
};

interface Row {
  requests: number;
  cpu?: CpuSample;
  load?: number;
  target: number;
  achieved: number;
  p50: number;
  p95: number;
  p99: number;
  errorRate: number;
  valid: boolean;
}
const run = async (scenario: Scenario, baseUrl: string, peerPid?: number): Promise<Row> => {
  const c0 = cpuNow(peerPid);
  const out = await runScenario(scenario, { baseUrl: new URL(baseUrl), signal: controller.signal, users: sessions });
  const s = out.summary;
  const c1 = cpuNow(peerPid);
  const perReq = (k: keyof CpuSample) => (s.requests ? (c1[k] - c0[k]) / s.requests : 0);
  return {
    requests: s.requests,
    cpu: {
      target: perReq('target'),
      postgres: perReq('postgres'),
      redis: perReq('redis'),
      generator: perReq('generator'),
    },
    load: os.loadavg()[0],
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
  `${String(r.target).padStart(6)} ${r.achieved.toFixed(1).padStart(9)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${(r.errorRate * 100).toFixed(2).padStart(7)}%  ${held(r) ? 'held' : 'NOT held'}${r.valid ? '' : ' (generator-bound: invalid)'}` +
  `  [load ${r.load?.toFixed(1) ?? '?'}${r.cpu ? `; CPU ms/request: target ${r.cpu.target.toFixed(2)}, postgres ${r.cpu.postgres.toFixed(2)}, redis ${r.cpu.redis.toFixed(2)}, generator ${r.cpu.generator.toFixed(2)}` : ''}]`;

// The ladder: rising rates until two in a row are not held.
const ladder = async (
  label: string,
  make: (rate: number) => Scenario,
  url: string,
  peerPid?: number,
): Promise<Row[]> => {
  log(`\n${label}\n  rate  achieved   p50 ms   p95 ms   p99 ms   errors`);
  const out: Row[] = [];
  let misses = 0;
  for (const rate of rates) {
    if (controller.signal.aborted) break;
    const row = await run(make(rate), url, peerPid);
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
  const note =
    b && firstMiss && firstMiss.target < b.target
      ? ` (not monotonic: ${firstMiss.target} req/s was not held — the machine is noisy)`
      : '';
  const invalid = rows.some((r) => !r.valid)
    ? '; some rates were generator-bound (invalid): a floor, not a ceiling'
    : '';
  return `${b ? `${b.target} req/s (p95 ${b.p95.toFixed(1)} ms)` : 'none of the rates tried'}${note}${invalid}`;
};
const open = (rate: number, extra: Record<string, unknown>) =>
  parseScenario({
    ...base,
    thresholds: {},
    rate,
    preAllocatedVUs: Math.min(400, rate),
    maxVUs: Math.max(50, rate * 4),
    ...extra,
  });

// Warm-up, not reported: JIT, PostgreSQL's and Redis's caches, the connections (the first seconds of a cold
// stack cost several times the steady state).
await run(open(rates[0] ?? 50, { duration: values.warmup }), stack.targetUrl);
// Logins and token refreshes during the ladder, counted where they land: a login opens a refresh-token
// family, a refresh adds a token to its family. A session logs in once (before the ladder), so the
// expected count of logins is 0 and refreshes ~1 % of requests.
const db = new pg.Client({ connectionString: stack.postgresUrl });
await db.connect();
const authCounts = async () => {
  const { rows } = await db.query<{ families: string; tokens: string }>(
    'SELECT count(DISTINCT family_id) AS families, count(*) AS tokens FROM refresh_tokens',
  );
  return { logins: Number(rows[0]?.families ?? 0), tokens: Number(rows[0]?.tokens ?? 0) };
};
const auth0 = await authCounts();
const ladderStart = performance.now();
const mixed = await ladder(
  'mixed workload (signed-in sessions: 70 % reads / 20 % writes / 1 % refresh)',
  (rate) => open(rate, { duration: values.duration }),
  stack.targetUrl,
);
const peerOf = (name: string, path: string) => (rate: number) =>
  open(rate, {
    name,
    duration: values['peer-duration'],
    flows: [{ name, steps: [{ name: `GET ${path}`, path }] }],
  });
{
  const auth1 = await authCounts();
  const secs = (performance.now() - ladderStart) / 1000;
  const logins = auth1.logins - auth0.logins;
  const refreshes = auth1.tokens - auth0.tokens - logins;
  const requests = mixed.reduce((a, r) => a + r.requests, 0);
  log(
    `  during the mixed ladder (${secs.toFixed(0)} s, ${requests} requests): ${logins} logins (${(logins / secs).toFixed(2)}/s), ${refreshes} token refreshes (${((refreshes / Math.max(1, requests)) * 100).toFixed(2)} % of requests)`,
  );
  await db.end();
}
const peers = values.peers.split(',');
const livez = !peers.includes('livez')
  ? []
  : await ladder(
      'peer: GET /livez of the target (no PostgreSQL/Redis work)',
      peerOf('peer-livez', '/livez'),
      stack.targetUrl,
    );

// The bare Express peer, in its own process with the target's worker count.
let bareRows: Row[] = [];
if (peers.includes('bare')) {
  const bare = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./bare-express.ts', import.meta.url).pathname, values.workers],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    const bareUrl = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: bare.stdout });
      lines.once('line', (l) => resolve((JSON.parse(l) as { url: string }).url));
      bare.once('exit', (code) => reject(new Error(`bare Express peer exited (${code})`)));
    });
    bareRows = await ladder(
      `peer: bare Express, ${values.workers} cluster workers, GET /page (a feed-sized JSON page, nothing else)`,
      peerOf('peer-bare-express', '/page'),
      bareUrl,
      bare.pid,
    );
  } finally {
    bare.stdin.end();
    bare.kill('SIGTERM');
  }
}

log('\nhighest rate held at p95 < 200 ms and < 0.1 % errors, measured in this run:');
log(`  mixed workload       ${describe(mixed)}`);
log(`  GET /livez (peer)    ${describe(livez)}`);
log(`  bare Express (peer)  ${describe(bareRows)}`);
const m = best(mixed)?.target ?? 0;
const l = best(livez)?.target ?? 0;
const e = best(bareRows)?.target ?? 0;
if (m && l && e)
  log(
    `  mixed / livez ${(m / l).toFixed(2)}, mixed / bare Express ${(m / e).toFixed(2)} (the top rate tried was ${rates[rates.length - 1]} req/s)`,
  );
