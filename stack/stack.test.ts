import https from 'node:https';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { EnvironmentError, InputError, PortInUseError, loadEnvConfig } from '../common/index.ts';
import { isAlive, treeMembers } from './child.ts';
import { startStack, type StartedStack } from './stack.ts';
import type { ExitInfo } from './types.ts';

const env = loadEnvConfig({});

async function readyz(stack: StartedStack): Promise<number> {
  const res = await fetch(`${stack.targetUrl}/readyz`, { signal: AbortSignal.timeout(5000) });
  await res.body?.cancel();
  return res.status;
}

function allPids(stack: StartedStack): number[] {
  const pids = Object.entries(stack.pids)
    .filter(([k]) => k !== 'stack')
    .flatMap(([, v]) => (Array.isArray(v) ? v : [v]));
  return [...new Set(pids.flatMap((p) => [p, ...treeMembers(p)]))];
}

describe('startStack (managed)', () => {
  it('is ready only while PostgreSQL and Redis answer, and leaves no process behind', async () => {
    const lines: string[] = [];
    const stack = await startStack({ env, stateDir: null, log: (l) => lines.push(l) });
    try {
      expect(stack.targetUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stack.proxyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stack.proxies).toEqual({ postgres: 'postgres', redis: 'redis' });
      expect(stack.pids.workers).toHaveLength(2);
      expect(await readyz(stack)).toBe(200);

      await stack.control('redis').stop();
      await expect.poll(() => readyz(stack), { timeout: 10_000 }).toBe(503);
      await stack.control('redis').restart();
      await expect.poll(() => readyz(stack), { timeout: 15_000 }).toBe(200);

      await stack.control('postgres').kill();
      await expect.poll(() => readyz(stack), { timeout: 10_000 }).toBe(503);
      await stack.control('postgres').restart();
      await expect.poll(() => readyz(stack), { timeout: 15_000 }).toBe(200);
    } finally {
      const pids = allPids(stack);
      expect(pids.length).toBeGreaterThanOrEqual(6);
      await stack.stop();
      expect(pids.filter(isAlive)).toEqual([]);
    }
    // Faults asked for through control() are not crashes.
    expect(lines.filter((l) => l.includes('exited unexpectedly'))).toEqual([]);
  });

  it('kills one worker on request, the primary replaces it, and waitReady sees it back', async () => {
    const lines: string[] = [];
    await using stack = await startStack({ env, stateDir: null, workers: 2, log: (l) => lines.push(l) });
    const crashes: ExitInfo[] = [];
    stack.onCrash((c) => crashes.push(c));
    const before = stack.pids.workers as number[];
    await stack.control('worker').kill();
    await stack.control('worker').waitReady(30_000);
    const after = stack.pids.workers as number[];
    // On a failure, say what the cluster did (a replacement that died, and why), not only the count.
    const story = () =>
      `before ${before.join(',')}, after ${after.join(',')}, crashes ${JSON.stringify(crashes)}\n${lines.slice(-25).join('\n')}`;
    expect(after, story()).toHaveLength(2);
    expect(
      after.filter((p) => !before.includes(p)),
      story(),
    ).toHaveLength(1);
    expect(await readyz(stack)).toBe(200);
    expect(crashes, story()).toEqual([]);

    // A worker dying on its own is reported, not hidden.
    process.kill(after[0] as number, 'SIGKILL');
    await expect.poll(() => crashes.map((c) => c.component), { timeout: 10_000 }).toEqual(['worker']);
    await stack.control('worker').waitReady(30_000);
  });

  it('pauses and resumes Redis and the proxy (readyz 503 then 200), and reports a proxy crash', async () => {
    const lines: string[] = [];
    await using stack = await startStack({ env, stateDir: null, workers: 1, log: (l) => lines.push(l) });
    for (const component of ['redis', 'proxy'] as const) {
      await stack.control(component).pause();
      await expect.poll(() => readyz(stack), { timeout: 15_000 }).toBe(503);
      await stack.control(component).resume();
      await stack.control(component).waitReady(10_000);
      await expect.poll(() => readyz(stack), { timeout: 15_000 }).toBe(200);
    }
    const proxyPid = stack.pids.proxy as number;
    process.kill(proxyPid, 'SIGKILL');
    await expect
      .poll(() => lines.some((l) => l.includes(`proxy (pid ${proxyPid}) exited unexpectedly`)), { timeout: 5000 })
      .toBe(true);
    await stack.control('proxy').restart();
    await expect.poll(() => readyz(stack), { timeout: 20_000 }).toBe(200);
  });

  it('serves HTTPS with a self-signed certificate for 127.0.0.1 with --tls, without the proxy', async () => {
    await using stack = await startStack({ env, stateDir: null, workers: 1, tls: true, proxy: false });
    expect(stack.targetUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.proxyUrl).toBeNull();
    expect(() => stack.control('proxy')).toThrow(/without the fault proxy/);
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get(`${stack.targetUrl}/readyz`, { ca: stack.tlsCert ?? undefined }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(status).toBe(200);
  });

  it('refuses a requested target port that is in use, naming it, before starting anything', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const err = await startStack({ env, stateDir: null, targetPort: port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortInUseError);
      expect((err as Error).message).toContain(String(port));
    } finally {
      blocker.close();
    }
  });

  it('names DATABASE_URL when the database it points at does not answer', async () => {
    const err = await startStack({
      env: loadEnvConfig({ DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/app' }),
      stateDir: null,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toContain('DATABASE_URL');
    expect((err as Error).message).not.toContain('secret');
  });

  it('stops what it started when a later phase fails: no PostgreSQL, Redis, proxy or target left behind', async () => {
    const before = new Set(treeMembers(process.pid));
    const lines: string[] = [];
    const err = await startStack({
      env,
      stateDir: null,
      log: (l) => lines.push(l),
      // The target cannot boot.
      targetEnv: { NODE_OPTIONS: '--require=/nonexistent/rampart-no-such-module.cjs' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    // The target's phase failed, so PostgreSQL, Redis and the proxy had started.
    expect((err as Error).message).toMatch(/exited before it was ready/);
    expect(treeMembers(process.pid).filter((p) => !before.has(p) && isAlive(p))).toEqual([]);
  });

  it('rejects a bad worker count naming it', async () => {
    await expect(startStack({ env, stateDir: null, workers: 0 })).rejects.toThrow(InputError);
    await expect(startStack({ env, stateDir: null, workers: 0 })).rejects.toThrow(/workers/);
  });
});

describe('startStack seeding', () => {
  it('seeds users and posts that can log in with the documented password', async () => {
    await using stack = await startStack({
      env,
      stateDir: null,
      workers: 1,
      proxy: false,
      seed: { users: 20, posts: 50 },
    });
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: stack.postgresUrl });
    await client.connect();
    try {
      const users = await client.query("SELECT count(*)::int AS n FROM users WHERE email LIKE 'user%@example.test'");
      expect(users.rows[0].n).toBe(20);
    } finally {
      await client.end();
    }
    const res = await fetch(`${stack.targetUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'user1@example.test', password: 'password123!' }),
    });
    expect(res.status).toBe(200);
  });
});

describe('startStack with DATABASE_URL', () => {
  it('uses the given database instead of starting one, and refuses process faults on it', async () => {
    const { useDatabase } = await import('../test/services.ts');
    await using db = await useDatabase();
    await using stack = await startStack({
      env: loadEnvConfig({ DATABASE_URL: db.url }),
      stateDir: null,
      workers: 1,
      proxy: false,
    });
    expect(stack.postgresUrl).toBe(db.url);
    expect(stack.pids.postgres).toBeUndefined();
    expect(await readyz(stack)).toBe(200);
    expect(() => stack.control('postgres')).toThrow(/an external URL was given/);
    expect(() => stack.control('redis')).not.toThrow();
  });
});
