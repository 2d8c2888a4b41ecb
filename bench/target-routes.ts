/**
 * What one request of each kind costs the SocialConnect target, measured one
 * route at a time at a fixed rate on the managed stack (seeded, no fault proxy):
 * CPU per request of the target's processes (workers + primary), of PostgreSQL
 * (postmaster + backends) and of Redis, from /proc; Redis commands per request
 * (INFO stats), PostgreSQL transactions per request (pg_stat_database) and
 * the target's write system calls per request (/proc/<pid>/io: one per
 * response, per Redis batch, per PostgreSQL round trip); the
 * generator's own CPU per request. A bare Express app with the same worker count
 * (bench/bare-express.ts) answers the same way in the same run, as the floor.
 *
 * Linux only (/proc). Each route gets the same fixed rate (autocannon
 * overallRate), so the CPU figures compare across routes; each rate of --rates in
 * turn, with the floors measured at the same rate in the same run: bare Express 5
 * and bare node:http (bench/bare-express.ts). A mixed workload (4 feed, 3 trending,
 * 1 post list, 1 post, 1 like in 10: 20 % writes) runs beside the routes. Budgets,
 * printed as met or not: a read's target CPU per request at most 2× bare
 * Express's (what SocialConnect adds: at most one bare Express request), a
 * write's at most 4×, the mixed workload's at most 1.2 ms.
 * GET /v1/posts is the first page (cached for 1 s, as every caller sees it);
 * "GET /v1/posts page 2" the same list past a cursor, read from PostgreSQL each time.
 * For that read a third floor runs in the same run: bare Express answering the
 * same page with the target's own query on the same PostgreSQL (bench/bare-express.ts
 * express-pg): what the round trip costs on its own. That read's budget is the
 * same question as the cached reads' — SocialConnect adds at most one bare
 * Express request — asked on top of that floor: at most floor + 1× bare Express
 * (the floor alone measured 1.3–2.2× bare Express, so ≤ 2× bare Express could
 * not be met by any read that asks PostgreSQL). Its ratio to bare Express is
 * still printed.
 *
 * Rounds (--repeats, default 3; judged in bench/route-budgets.ts): each round measures every route, the mixed
 * workload and every floor once, in turn, with the floors' processes started
 * once for the whole run. A ratio is taken within its round, and a budget's
 * verdict is the median round's, printed with how many rounds were within it:
 * one 8-s figure of bare Express alone moved 0.23–0.32 ms between runs on one
 * quiet machine, more than a budget's margin, so a verdict on one round flips
 * with the machine rather than with the code.
 *
 *   npm run bench:target-routes [-- --rates 300,1000 --duration 8 --repeats 3 --warmup 2 --workers 2 --users 2000 --posts 20000]
 */
import { spawn } from 'node:child_process';
import { childrenOf, procCpuMs, treeCpuMs, writeSyscalls } from './proc-stats.ts';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadEnvConfig } from '../common/index.ts';
import { startStack } from '../stack/index.ts';
import { judgeBudgets } from './route-budgets.ts';
import type { Measured, PeerKind, Round } from './route-budgets.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '300,1000' },
    duration: { type: 'string', default: '8' },
    workers: { type: 'string', default: '2' },
    users: { type: 'string', default: '2000' },
    posts: { type: 'string', default: '20000' },
    routes: { type: 'string' },
    repeats: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
  },
});
const rates = values.rates.split(',').map(Number);
if (rates.some((r) => !Number.isFinite(r) || r <= 0))
  throw new Error(`--rates ${values.rates}: give request rates per second separated by commas, e.g. 300,1000`);
let rate = rates[0] as number;
const repeats = Number(values.repeats);
if (!Number.isInteger(repeats) || repeats < 1)
  throw new Error(
    `--repeats ${values.repeats}: give how many rounds to measure each route and floor, a whole number ≥ 1`,
  );
const duration = Number(values.duration);
const warmup = Number(values.warmup);
if (!Number.isFinite(warmup) || warmup < 0)
  throw new Error(`--warmup ${values.warmup}: give the seconds each route is driven before its measured window, ≥ 0`);
const log = (s: string) => process.stdout.write(`${s}\n`);

const sum = (ps: number[]) => ps.reduce((a, p) => a + procCpuMs(p), 0);
/** Write system calls so far: each response, Redis batch and PostgreSQL message batch is one. */
const writes = writeSyscalls;

log(
  `hardware: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, node ${process.version}; date ${new Date().toISOString()}`,
);
await using stack = await startStack({
  workers: Number(values.workers),
  env: loadEnvConfig({}),
  proxy: false,
  seed: { users: Number(values.users), posts: Number(values.posts) },
  targetEnv: { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000', RATE_LIMIT_ANON_PER_MINUTE: '1000000' },
});
const base = stack.targetUrl;
const pids = stack.pids as Record<string, number | number[]>;
const list = (k: string) => [pids[k] ?? []].flat();
const redis = new Redis(stack.redisUrl);
const db = new pg.Client({ connectionString: stack.postgresUrl });
db.on('error', () => {}); // PostgreSQL stopping with the stack is not this run's error
await db.connect();

// Sessions: registered and logged in once; each route's requests spread over them.
const sessions: Array<{ token: string; refresh: string; postId: string; id: string }> = [];
const runId = Math.random().toString(36).slice(2, 8);
const call = async (method: string, path: string, body?: unknown, token?: string) => {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
};
let page2: string | undefined;
for (let i = 0; i < 20; i++) {
  const email = `routes-${runId}-${i}@example.test`;
  const reg = await call('POST', '/v1/auth/register', {
    email,
    password: 'password123!',
    handle: `routes_${runId}_${i}`,
  });
  const login = await call('POST', '/v1/auth/login', { email, password: 'password123!' });
  const token = login.accessToken as string;
  const post = await call('POST', '/v1/posts', { body: `post ${i}` }, token);
  const id = (reg.user as { id: string }).id;
  const listed = await call('GET', '/v1/posts?limit=50', undefined, token);
  const followee = (listed.items as Array<{ authorId: string }>).find((p) => p.authorId !== id)?.authorId;
  if (followee) await call('POST', `/v1/users/${followee}/follow`, undefined, token);
  sessions.push({ token, refresh: login.refreshToken as string, postId: post.id as string, id });
  // The second page of the list: read from PostgreSQL on every request (only the first page is cached).
  page2 ??= encodeURIComponent(listed.nextCursor as string);
}

/** When an access token expires (its `exp`, epoch seconds). */
const expiryOf = (token: string) =>
  Number((JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp?: number }).exp);
/**
 * The access tokens live ACCESS_TOKEN_TTL (15 min by default) and a run is longer: before a window on the target,
 * tokens that would expire before it ends (its warm-up, window and a minute's margin) are refreshed
 * (POST /v1/auth/refresh).
 */
const freshTokens = async () => {
  const needed = Date.now() / 1000 + warmup + duration + 60;
  if (sessions.every((s) => expiryOf(s.token) > needed)) return;
  for (const s of sessions) {
    const out = await call('POST', '/v1/auth/refresh', { refreshToken: s.refresh });
    s.token = out.accessToken as string;
    s.refresh = out.refreshToken as string;
  }
  if (sessions.some((s) => !(expiryOf(s.token) > needed)))
    throw new Error(
      `the target's access tokens live less than a window (--warmup ${warmup} + --duration ${duration} s + 60 s): shorten --duration`,
    );
};

interface Route {
  name: string;
  method?: 'GET' | 'POST';
  path: (s: (typeof sessions)[number]) => string;
  body?: (s: (typeof sessions)[number], n: number) => string;
  auth?: boolean;
  idempotent?: boolean;
  /** A read that must ask PostgreSQL: judged against bare Express running its query (the express-pg floor). */
  pgFloor?: boolean;
  /** A workload of several routes: the route of the n-th request. */
  pick?: (n: number) => Route;
}
const allRoutes: Route[] = [
  { name: 'GET /livez', path: () => '/livez' },
  { name: 'GET /v1/feed', path: () => '/v1/feed?limit=20', auth: true },
  { name: 'GET /v1/trending', path: () => '/v1/trending', auth: true },
  { name: 'GET /v1/posts', path: () => '/v1/posts?limit=20', auth: true },
  { name: 'GET /v1/posts page 2', path: () => `/v1/posts?limit=20&cursor=${page2}`, auth: true, pgFloor: true },
  {
    name: 'POST /v1/posts',
    method: 'POST',
    path: () => '/v1/posts',
    body: (_s, n) => JSON.stringify({ body: `routes post ${n}` }),
    auth: true,
    idempotent: true,
  },
  { name: 'POST /v1/posts/{id}/like', method: 'POST', path: (s) => `/v1/posts/${s.postId}/like`, auth: true },
  {
    name: 'POST /v1/posts/{id}/comments',
    method: 'POST',
    path: (s) => `/v1/posts/${s.postId}/comments`,
    body: (_s, n) => JSON.stringify({ body: `routes comment ${n}` }),
    auth: true,
  },
];
const routes = allRoutes.filter((r) => !values.routes || values.routes.split(',').some((w) => r.name.includes(w)));

const redisCommands = async () => Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
/** PostgreSQL backends flush their statistics about once a second: wait that long around a window. */
const settle = () => new Promise((r) => setTimeout(r, 1200));
const pgXacts = async () => {
  const { rows } = await db.query<{ n: string }>(
    'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0]?.n ?? 0);
};

/** `r`'s requests at the current rate for `seconds` (autocannon, 20 connections), spread over the sessions. */
const drive = (url: string, r: Route, seconds: number) => {
  let n = 0;
  return autocannon({
    url,
    connections: 20,
    overallRate: rate,
    duration: seconds,
    requests: [
      {
        method: r.method ?? 'GET',
        setupRequest: (req: autocannon.Request) => {
          const s = sessions[n % sessions.length]!;
          const rr = r.pick ? r.pick(n) : r;
          n += 1;
          return {
            ...req,
            method: rr.method ?? 'GET',
            path: rr.path(s),
            headers: {
              ...(rr.auth ? { authorization: `Bearer ${s.token}` } : {}),
              ...(rr.body ? { 'content-type': 'application/json' } : {}),
              ...(rr.idempotent ? { 'idempotency-key': crypto.randomUUID() } : {}),
            },
            ...(rr.body ? { body: rr.body(s, n) } : {}),
          };
        },
      },
    ],
  });
};

const measure = async (url: string, r: Route, targetPids: () => number[], withDeps: boolean) => {
  // Each window starts from the same state: the process has just served this route at this rate. Without it,
  // whichever route came first after the processes sat idle (while the others were measured) paid ~0.2 ms per
  // request more at 300 req/s (trending first: 0.64–0.68 ms, second: 0.44; the feed likewise).
  if (url === base) await freshTokens();
  if (warmup > 0) await drive(url, r, warmup);
  // The same pause before every window (the warm-up's last statistics flushed), then the counters.
  await settle();
  // PostgreSQL: the postmaster's tree (backends that exit during the run keep counting, through its cutime).
  const pgCpu = () => (withDeps ? list('postgres').reduce((a, p) => a + treeCpuMs(p), 0) : 0);
  const x0 = withDeps ? await pgXacts() : 0;
  const r0 = withDeps ? await redisCommands() : 0;
  const t0 = {
    t: sum(targetPids()),
    pg: pgCpu(),
    redis: withDeps ? sum(list('redis')) : 0,
    self: process.cpuUsage(),
    w: writes(targetPids()),
  };
  const result = await drive(url, r, duration);
  const selfUs = process.cpuUsage(t0.self);
  const t1 = {
    t: sum(targetPids()),
    pg: pgCpu(),
    redis: withDeps ? sum(list('redis')) : 0,
    w: writes(targetPids()),
  };
  if (withDeps) await settle();
  const x1 = withDeps ? await pgXacts() : 0;
  const r1 = withDeps ? await redisCommands() : 0;
  const done = result.requests.total || 1;
  const non2xx = result.non2xx + result.errors;
  const cpu = { target: (t1.t - t0.t) / done, pg: (t1.pg - t0.pg) / done, redis: (t1.redis - t0.redis) / done };
  const f = (v: number) => v.toFixed(2).padStart(6);
  log(
    `${r.name.padEnd(30)} ${String(result.requests.total).padStart(6)} ${(result.requests.total / duration).toFixed(0).padStart(5)}/s  p50 ${String(result.latency.p50).padStart(4)} p99 ${String(result.latency.p99).padStart(5)} ms  non-2xx ${String(non2xx).padStart(4)}` +
      `  CPU ms/req: target ${f((t1.t - t0.t) / done)} pg ${f((t1.pg - t0.pg) / done)} redis ${f((t1.redis - t0.redis) / done)} generator ${f((selfUs.user + selfUs.system) / 1000 / done)}` +
      `  target write syscalls/req ${((t1.w - t0.w) / done).toFixed(2)}` +
      (withDeps
        ? `  redis cmds/req ${((r1 - r0 - 1) / done).toFixed(2)} pg xacts/req ${((x1 - x0 - 1) / done).toFixed(2)}`
        : '') +
      `  load ${(os.loadavg()[0] ?? 0).toFixed(1)}`,
  );
  return { rate, achieved: result.requests.total / duration, requests: result.requests.total, non2xx, cpu };
};

// The mixed workload: 10 requests in a fixed order, 20 % writes.
const mixOrder = [
  'GET /v1/feed',
  'GET /v1/trending',
  'GET /v1/feed',
  'POST /v1/posts',
  'GET /v1/trending',
  'GET /v1/feed',
  'GET /v1/posts',
  'GET /v1/trending',
  'POST /v1/posts/{id}/like',
  'GET /v1/feed',
];
const mixRoutes = mixOrder.map((name) => allRoutes.find((r) => r.name === name) as Route);
const mixed: Route = {
  name: 'mixed (20 % writes)',
  path: () => '/',
  pick: (n) => mixRoutes[n % mixRoutes.length] as Route,
};

/**
 * The peers, with the target's worker count: bare Express and bare node:http (GET /page, no I/O), and bare Express
 * reading the same page past the cursor from the same PostgreSQL with the target's own query (`express-pg`: the
 * floor of a read that must ask PostgreSQL). Started once and measured in every round beside the routes.
 */
const peerLabel = { express: 'bare Express', http: 'bare node:http', 'express-pg': 'bare Express + pg' } as const;
const startPeer = async (kind: PeerKind) => {
  const bare = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./bare-express.ts', import.meta.url).pathname,
      values.workers,
      kind,
      ...(kind === 'express-pg' ? [stack.postgresUrl] : []),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const stop = () => {
    bare.stdin.end();
    bare.kill('SIGTERM');
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: bare.stdout }).once('line', (l) => resolve((JSON.parse(l) as { url: string }).url));
      bare.once('exit', (code) => reject(new Error(`bare ${kind} peer exited (${code})`)));
    });
    const pidsOf = () => [bare.pid as number, ...childrenOf(bare.pid as number)];
    const path = kind === 'express-pg' ? () => `/posts?limit=20&cursor=${page2}` : () => '/page';
    const name = `${peerLabel[kind]} ${kind === 'express-pg' ? 'page 2' : 'GET /page'}`;
    return {
      stop,
      warmUp: () => measure(url, { name: `(warm-up) ${name}`, path }, pidsOf, false),
      measure: () => measure(url, { name, path }, pidsOf, kind === 'express-pg'),
    };
  } catch (err) {
    stop();
    throw err;
  }
};

const targetPids = () => [...list('target'), ...list('workers')];
const kinds: PeerKind[] = ['express', 'http', ...(routes.some((r) => r.pgFloor) ? ['express-pg' as const] : [])];
const peers: Array<Awaited<ReturnType<typeof startPeer>>> = [];
const budgets: string[] = [];
try {
  for (const kind of kinds) peers.push(await startPeer(kind));
  for (const [i, r] of rates.entries()) {
    rate = r;
    log(`\n${rate} req/s per route for ${duration} s, 20 connections (autocannon), ${repeats} round(s)`);
    // A longer warm-up before the first rate: JIT, caches, connections.
    if (i === 0) {
      for (const route of routes) await measure(base, { ...route, name: `(warm-up) ${route.name}` }, targetPids, false);
      for (const p of peers) await p.warmUp();
    }
    // Every round measures each route, the mixed workload and each floor once, in turn: a ratio is taken within its
    // round, so a drift of the machine's speed between rounds moves both of its sides.
    const rounds: Round[] = [];
    for (let k = 0; k < repeats; k++) {
      if (repeats > 1) log(`round ${k + 1} of ${repeats}`);
      const measured: Measured[] = [];
      for (const route of routes) measured.push(await measure(base, route, targetPids, true));
      const mix = await measure(base, mixed, targetPids, true);
      const floors: Measured[] = [];
      for (const p of peers) floors.push(await p.measure());
      rounds.push({ routes: measured, mix, floors });
    }
    budgets.push(...judgeBudgets({ rate, rounds, kinds, routes, mixedName: mixed.name }));
  }
} finally {
  for (const p of peers) p.stop();
  await redis.quit().catch(() => redis.disconnect());
  await db.end().catch(() => {});
}
log(
  `\nBudgets (target CPU per request; floors measured at the same rate in the same run${repeats > 1 ? `; each figure the median over ${repeats} rounds, its range in parentheses; a ratio is the median of the ratios taken within each round, and a verdict is on the median round's figure` : ''}):`,
);
for (const b of budgets) log(b);
