import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fork } from 'node:child_process';
import http from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort, repoPath, tsNodeArgs } from '../common/index.ts';
import type { StartedRedis } from '../stack/index.ts';
import { useDatabase, useRedis } from '../test/services.ts';
import type { TestDatabase } from '../test/services.ts';
import { isTargetMessage } from './protocol.ts';
import type { TargetMessage } from './protocol.ts';

interface Cluster {
  child: ChildProcess;
  messages: TargetMessage[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  next(type: TargetMessage['type'], after?: number, timeoutMs?: number): Promise<TargetMessage>;
}

function startCluster(env: Record<string, string>): Cluster {
  const child = fork(repoPath('target/cluster.ts'), [], {
    execArgv: tsNodeArgs(),
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const messages: TargetMessage[] = [];
  const waiters: Array<() => void> = [];
  child.on('message', (m) => {
    if (isTargetMessage(m)) messages.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    messages,
    stderr: () => err,
    exited,
    async next(type, after = 0, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.slice(after).find((m) => m.type === type);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no ${type} within ${timeoutMs} ms; got ${JSON.stringify(messages)}; stderr: ${err}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}

/**
 * One GET /livez on a connection of its own: answered, failed at once (reset, refused), or no answer within
 * `timeoutMs` of being sent (a wall clock from the start, connect included; a stranded connection waits forever).
 */
function livezOnce(port: number, timeoutMs: number): Promise<'ok' | 'error' | 'hung'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve('hung');
      req.destroy();
    }, timeoutMs);
    const done = (outcome: 'ok' | 'error') => {
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = http.get({ host: '127.0.0.1', port, path: '/livez', agent: false }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200 ? 'ok' : 'error'));
      res.on('error', () => done('error'));
    });
    req.on('error', () => done('error'));
  });
}

/** The cluster's environment: the test's PostgreSQL and Redis, a port, two workers, and `extra`. */
const clusterEnv = (db: TestDatabase, redis: StartedRedis, port: number, extra: Record<string, string> = {}) => ({
  DATABASE_URL: db.url,
  REDIS_URL: redis.url,
  PORT: String(port),
  WORKERS: '2',
  ...extra,
});

/** Whether process pid holds a socket listening on 127.0.0.1:port (its fds against /proc/net/tcp). */
function listensOn(pid: number, port: number): boolean {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' }));
    if (m) inodes.add(m[1] as string);
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .some((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A' && inodes.has(f[9] as string));
}

describe('the cluster primary', () => {
  let db: TestDatabase;
  let redis: StartedRedis;
  beforeAll(async () => {
    db = await useDatabase();
    redis = await useRedis();
  });
  afterAll(async () => {
    await redis?.stop();
    await db?.drop();
  });

  it('forks WORKERS workers on one port, restarts a killed one, and drains to exit 0 on SIGTERM', async () => {
    const port = await getFreePort();
    const c = startCluster(clusterEnv(db, redis, port));
    try {
      const ready = await c.next('target.ready', 0, 60_000);
      expect(ready).toMatchObject({ type: 'target.ready', url: `http://127.0.0.1:${port}` });
      const workers = (ready as { workers: number[] }).workers;
      expect(workers).toHaveLength(2);
      // Each worker runs with the young generation the config gives it (WORKER_SEMI_SPACE_MB, default 64).
      for (const pid of workers)
        expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('--max-semi-space-size=64');
      // CLUSTER_SCHEDULING default none: each worker accepts from the listening socket itself.
      for (const pid of workers) expect(listensOn(pid, port)).toBe(true);
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(200);

      const mark = c.messages.length;
      process.kill(workers[0] as number, 'SIGKILL');
      const exit = await c.next('target.worker-exit', mark);
      expect(exit).toMatchObject({ pid: workers[0], signal: 'SIGKILL' });
      const online = await c.next('target.worker-online', mark);
      expect((online as { pid: number }).pid).not.toBe(workers[0]);
      expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);

      c.child.kill('SIGTERM');
      expect(await c.exited).toEqual({ code: 0, signal: null });
    } finally {
      if (c.child.exitCode === null) c.child.kill('SIGKILL');
    }
  });

  it('with CLUSTER_SCHEDULING=rr only the primary holds the listening socket', async () => {
    const port = await getFreePort();
    const c = startCluster(clusterEnv(db, redis, port, { CLUSTER_SCHEDULING: 'rr' }));
    try {
      const ready = await c.next('target.ready', 0, 60_000);
      // Node's round robin: the primary accepts and hands each connection to a worker, keeping its own copy until
      // the worker takes it; one handed to a worker being killed stays open with no one to answer (next test).
      for (const pid of (ready as { workers: number[] }).workers) expect(listensOn(pid, port)).toBe(false);
      expect((await fetch(`http://127.0.0.1:${port}/livez`)).status).toBe(200);
      c.child.kill('SIGTERM');
      expect(await c.exited).toEqual({ code: 0, signal: null });
    } finally {
      if (c.child.exitCode === null) c.child.kill('SIGKILL');
    }
  });

  it('leaves no connection unanswered when a worker is killed in the middle of a burst of new connections', async () => {
    const port = await getFreePort();
    const c = startCluster(clusterEnv(db, redis, port));
    try {
      const ready = await c.next('target.ready', 0, 60_000);
      let workers = [...(ready as { workers: number[] }).workers];
      const totals = { ok: 0, error: 0, hung: 0 };
      const pendingAtKill: number[] = [];
      for (let cycle = 0; cycle < 4; cycle++) {
        // 400 fresh connections at once, each given 10 s; one worker is SIGKILLed once the first 50 are answered,
        // with the rest still arriving. A reset is an answer the client sees at once (and can retry); a connection
        // that waits out its timeout is not.
        const victim = workers[0] as number;
        const mark = c.messages.length;
        let answered = 0;
        let killed!: () => void;
        const kill = new Promise<void>((r) => (killed = r));
        const burst = Array.from({ length: 400 }, () =>
          livezOnce(port, 10_000).then((outcome) => {
            if (++answered === 50) killed();
            return outcome;
          }),
        );
        await kill;
        pendingAtKill.push(400 - answered);
        process.kill(victim, 'SIGKILL');
        for (const outcome of await Promise.all(burst)) totals[outcome]++;
        const online = (await c.next('target.worker-online', mark)) as { pid: number };
        workers = [...workers.filter((p) => p !== victim), online.pid];
        await expect.poll(() => listensOn(online.pid, port), { timeout: 30_000 }).toBe(true);
      }
      // The kill landed in the middle of each burst: connections were still coming in.
      for (const pending of pendingAtKill)
        expect(pending, `pending at each kill: ${pendingAtKill.join(', ')}`).toBeGreaterThan(0);
      // Measured here (3 runs each): none {ok 846–1,001, error 599–754, hung 0}; rr {ok 1,475–1,541, error 55–121,
      // hung 4: one per kill}. Under none the killed worker had accepted its share of the burst (node accepts until the
      // queue is empty), so more are reset; under rr the primary feeds a worker one connection at a time and strands
      // the one in flight.
      expect(totals.hung, JSON.stringify(totals)).toBe(0);
      expect(totals.ok, JSON.stringify(totals)).toBeGreaterThanOrEqual(400);
      c.child.kill('SIGTERM');
      expect(await c.exited).toEqual({ code: 0, signal: null });
    } finally {
      if (c.child.exitCode === null) c.child.kill('SIGKILL');
    }
  }, 180_000);

  it('exits 2 naming the key on bad configuration, and 3 when PostgreSQL is unreachable', async () => {
    const bad = startCluster({ DATABASE_URL: db.url, REDIS_URL: redis.url, WORKERS: 'many' });
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toContain('WORKERS');
    expect(bad.messages.find((m) => m.type === 'target.fatal')).toBeTruthy();

    const deadPort = await getFreePort();
    const unreachable = startCluster({
      DATABASE_URL: `postgres://x:y@127.0.0.1:${deadPort}/db`,
      REDIS_URL: redis.url,
      PORT: '0',
    });
    expect((await unreachable.exited).code).toBe(3);
    expect(unreachable.stderr()).toMatch(/PostgreSQL/);
  });
});
