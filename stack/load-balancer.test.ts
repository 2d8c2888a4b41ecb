import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError, InputError, PortInUseError, loadEnvConfig, repoPath } from '../common/index.ts';
import { isAlive, treeMembers } from './child.ts';
import { findLb, haproxyConfig, nginxConfig, startLoadBalancer } from './load-balancer.ts';
import { recordedStackStatus } from './recorded-stack.ts';
import { readStackState } from './state-file.ts';
import type { SupervisionEvent } from './supervisor.ts';
import { startStack, type StartedStack } from './stack.ts';
import { writeSelfSignedCert } from './tls.ts';

const env = loadEnvConfig({});
const run = promisify(execFile);

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rampart-lb-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function allPids(stack: StartedStack): number[] {
  const pids = Object.entries(stack.pids)
    .filter(([k]) => k !== 'stack')
    .flatMap(([, v]) => (Array.isArray(v) ? v : [v]));
  return [...new Set(pids.flatMap((p) => [p, ...treeMembers(p)]))];
}

async function get(
  url: string,
  token?: string,
): Promise<{ status: number; instance: string | null; upstream: string | null }> {
  const res = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(15_000),
  });
  await res.arrayBuffer();
  return {
    status: res.status,
    instance: res.headers.get('x-instance-id'),
    upstream: res.headers.get('x-rampart-upstream'),
  };
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  body: { id?: string; accessToken?: string } | null;
  instance: string | null;
  upstream: string | null;
}> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? JSON.parse(text) : null,
    instance: res.headers.get('x-instance-id'),
    upstream: res.headers.get('x-rampart-upstream'),
  };
}

async function userToken(base: string, email: string): Promise<string> {
  const password = 'correct horse battery staple';
  const reg = await post(`${base}/v1/auth/register`, {
    email,
    password,
    handle: email.split('@')[0]?.replace(/[^a-z0-9_]/g, '_'),
  });
  expect(reg.status).toBe(201);
  const login = await post(`${base}/v1/auth/login`, { email, password });
  expect(login.status).toBe(200);
  return login.body?.accessToken as string;
}

describe('the generated nginx configuration', () => {
  it('passes `nginx -t`, retries a sent POST only in the Idempotency-Key location, and keeps every path in its directory', async () => {
    const dir = path.join(scratch, 'conf');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'tmp'), { recursive: true });
    const tls = await writeSelfSignedCert(scratch);
    for (const withTls of [false, true]) {
      const text = nginxConfig({
        host: '127.0.0.1',
        port: 1,
        upstreams: ['127.0.0.1:2', '127.0.0.1:3'],
        dir,
        ...(withTls ? { tls: { ...tls, cert: tls.cert } } : {}),
      });
      const file = path.join(dir, 'nginx.conf');
      await writeFile(file, text);
      const out = await run(findLb('nginx'), ['-t', '-p', dir, '-c', file, '-e', 'stderr']);
      expect(out.stderr).toMatch(/test is successful/);
      expect(text).toMatch(/^daemon off;$/m);
      expect(text).toContain('keepalive 64;');
      const [plain, keyed] = text.split('location @keyed {');
      expect(plain).toContain('proxy_next_upstream error timeout http_502 http_503;');
      expect(keyed).toContain('proxy_next_upstream error timeout http_502 http_503 non_idempotent;');
      expect(text.match(/proxy_next_upstream_tries 2;/g)).toHaveLength(2);
      // No path outside the given directory (nginx's defaults are under /var).
      for (const m of text.matchAll(/"(\/[^"]+)"/g))
        if (m[1] !== tls.certFile && m[1] !== tls.keyFile) expect(m[1]?.startsWith(`${dir}/`)).toBe(true);
      expect(text.includes('listen 127.0.0.1:1 ssl;')).toBe(withTls);
    }
  });
});

describe('the generated HAProxy configuration', () => {
  it('passes `haproxy -c`, and disables L7 retries of a POST/PATCH without an Idempotency-Key', async () => {
    const dir = path.join(scratch, 'haproxy-conf');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    const text = haproxyConfig({
      host: '127.0.0.1',
      port: 1,
      upstreams: ['127.0.0.1:2', '127.0.0.1:3', '127.0.0.1:4'],
    });
    const file = path.join(dir, 'haproxy.cfg');
    await writeFile(file, text);
    const out = await run(findLb('haproxy'), ['-c', '-f', file]);
    expect(out.stdout + out.stderr).toMatch(/Configuration file is valid/);
    expect(text).toContain('retry-on conn-failure empty-response response-timeout 502 503');
    expect(text).toContain(
      'http-request disable-l7-retry if { method POST PATCH } !{ req.hdr(idempotency-key) -m found }',
    );
    expect(text).toContain('retries 2');
    expect(text).toContain('option redispatch 1');
  });
});

describe('deploy/nginx.conf (the docker-compose balancer)', () => {
  it("passes `nginx -t` with its Docker-only parts replaced, and has the managed balancer's retry policy", async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(repoPath('deploy/nginx.conf'), 'utf8');
    // `resolve` (nginx >= 1.27.3, the image's), Docker's DNS and a container's /dev/stdout are not here; the rest is checked as written.
    expect(text).toMatch(/server target:3000 resolve /);
    const local = text
      .replace('server target:3000 resolve ', 'server 127.0.0.1:3000 ')
      .replace(/^\s*resolver .*$/m, '')
      .replace('access_log /dev/stdout main;', 'access_log off;');
    const file = path.join(scratch, 'deploy-nginx.conf');
    await writeFile(file, local);
    const out = await run(findLb('nginx'), ['-t', '-c', file, '-e', 'stderr']);
    expect(out.stderr).toMatch(/test is successful/);
    const [plain, keyed] = text.split('location @keyed {');
    expect(plain).toContain('if ($http_idempotency_key) { return 418; }');
    expect(plain).toContain('proxy_next_upstream error timeout http_502 http_503;');
    expect(keyed).toContain('proxy_next_upstream error timeout http_502 http_503 non_idempotent;');
    expect(text).toContain('keepalive 64;');
  });
});

describe('bad scale-out input', () => {
  it('names what is wrong and the fix: 0 instances, lb foo, instances without a balancer, nginx missing, port in use', async () => {
    const zero = await startStack({ env, stateDir: null, lb: 'nginx', instances: 0 }).catch((e: unknown) => e);
    expect(zero).toBeInstanceOf(InputError);
    expect((zero as InputError).message).toMatch(/instances: 0 is not a whole number from 1 to 16/);

    const foo = await startStack({ env, stateDir: null, lb: 'foo' as 'nginx' }).catch((e: unknown) => e);
    expect(foo).toBeInstanceOf(InputError);
    expect((foo as InputError).message).toMatch(/"foo" is not a load balancer rampart can run \(nginx, haproxy\)/);

    const alone = await startStack({ env, stateDir: null, instances: 3 }).catch((e: unknown) => e);
    expect(alone).toBeInstanceOf(InputError);
    expect((alone as InputError).hint).toMatch(/--lb nginx/);

    const missing = await startLoadBalancer({
      kind: 'nginx',
      host: '127.0.0.1',
      port: 1,
      upstreams: ['127.0.0.1:2'],
      dir: scratch,
      searchPath: path.join(scratch, 'empty-bin'),
    }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(EnvironmentError);
    expect((missing as EnvironmentError).code).toBe('RAMPART_LB_MISSING');
    expect((missing as EnvironmentError).hint).toMatch(/apt-get install nginx-light/);

    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (busy.address() as net.AddressInfo).port;
      const taken = await startStack({ env, stateDir: null, lb: 'nginx', targetPort: port }).catch((e: unknown) => e);
      expect(taken).toBeInstanceOf(PortInUseError);
      expect((taken as Error).message).toContain(String(port));
    } finally {
      busy.close();
    }
  });
});

describe.each(['nginx', 'haproxy'] as const)('a scaled-out stack (--lb %s --instances N)', (kind) => {
  it("spreads requests over all instances, honours one instance's token on the others, and leaves no process behind", async () => {
    const stateDir = path.join(scratch, `spread-${kind}`);
    const stack = await startStack({
      env,
      stateDir,
      lb: kind,
      instances: 3,
      workers: 1,
      targetEnv: { RATE_LIMIT_PER_MINUTE: '100000' },
    });
    try {
      expect(stack.instanceUrls).toHaveLength(3);
      expect(stack.lb?.configFile).toBe(path.join(stateDir, kind, kind === 'nginx' ? 'nginx.conf' : 'haproxy.cfg'));
      expect(stack.stateFile).toBe(path.join(stateDir, 'stack.json'));
      expect(stack.pids.target).toHaveLength(3);
      expect(stack.pids.workers).toHaveLength(3);
      // Which instance answered: the target names itself (X-Instance-Id) and nginx names the upstream it used.
      const portOf = (i: number) => new URL(stack.instanceUrls[i - 1] as string).host;
      const served = new Map<string, number>();
      for (let i = 0; i < 60; i++) {
        const r = await get(`${stack.targetUrl}/livez`);
        expect(r.status).toBe(200);
        expect(r.upstream).toBe(portOf(Number(r.instance)));
        served.set(r.instance as string, (served.get(r.instance as string) ?? 0) + 1);
      }
      process.stdout.write(
        `scale-out spread: 60 GET /livez through ${kind} served by instance ${[...served]
          .sort()
          .map(([k, n]) => `${k}: ${n}`)
          .join(', ')}\n`,
      );
      expect([...served.keys()].sort()).toEqual(['1', '2', '3']);
      for (const n of served.values()) expect(n).toBeGreaterThanOrEqual(10);

      // One JWT secret for all instances: a token issued by one is honoured by every other.
      const token = await userToken(stack.targetUrl, 'lb-spread@example.test');
      const authed = await Promise.all(
        Array.from({ length: 30 }, () => get(`${stack.targetUrl}/v1/posts?limit=5`, token)),
      );
      expect(authed.map((r) => r.status)).toEqual(Array(30).fill(200));
      expect(new Set(authed.map((r) => r.instance)).size).toBe(3);
    } finally {
      const pids = allPids(stack);
      expect(pids.length).toBeGreaterThanOrEqual(10); // postgres (+ its processes), redis, proxy, nginx master + worker, 3 primaries, 3 workers
      await stack.stop();
      expect(pids.filter(isAlive)).toEqual([]);
    }
  }, 180_000);

  it("terminates --tls at the balancer: HTTPS with the stack's certificate to the balancer, plain HTTP behind it", async () => {
    await using stack = await startStack({
      env,
      stateDir: null,
      lb: kind,
      instances: 2,
      workers: 1,
      tls: true,
      proxy: false,
    });
    expect(stack.targetUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.instanceUrls.every((u) => u.startsWith('http://'))).toBe(true);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(
        await new Promise<string>((resolve, reject) => {
          https
            .get(`${stack.targetUrl}/readyz`, { ca: stack.tlsCert as string }, (res) => {
              res.resume();
              resolve(`${res.statusCode} ${String(res.headers['x-instance-id'])}`);
            })
            .on('error', reject);
        }),
      );
    }
    expect(ids.sort()).toEqual(['200 1', '200 1', '200 2', '200 2']);
  }, 120_000);

  it("loses < 0.1 % of requests when one instance's cluster primary is killed (SIGKILL) under load; keyed POSTs land exactly once", async () => {
    const stack = await startStack({
      env,
      stateDir: null,
      lb: kind,
      instances: 2,
      workers: 2,
      targetEnv: { RATE_LIMIT_PER_MINUTE: '100000' },
    });
    const crashes: string[] = [];
    stack.onCrash((c) => crashes.push(c.component));
    try {
      const token = await userToken(stack.targetUrl, 'lb-kill@example.test');
      const victim = (stack.pids.target as number[])[1] as number;
      // 2,000 GETs and one keyed POST per 10 GETs, paced at <= 150 requests/s by 16 clients (a closed loop: on a
      // busy machine the rate drops instead of a queue growing without bound); instance 2 is killed at GET 600.
      const total = 2000;
      const rate = 150;
      const clients = 16;
      const killAt = 600;
      const items = Array.from({ length: total }, (_, i) => i).flatMap((i) =>
        i % 10 === 0
          ? [
              { i, post: false },
              { i, post: true },
            ]
          : [{ i, post: false }],
      );
      const outcomes: Array<{
        i: number;
        status: number;
        instance: string | null;
        upstream: string | null;
        ms: number;
      }> = [];
      const posts: Array<{
        key: string;
        status: number;
        id?: string;
        instance: string | null;
        body?: unknown;
        upstream?: string | null;
      }> = [];
      const started = performance.now();
      let next = 0;
      const loadClient = async () => {
        while (next < items.length) {
          const n = next++;
          const item = items[n] as { i: number; post: boolean };
          const wait = started + (n * 1000) / rate - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          if (item.i === killAt && !item.post) process.kill(victim, 'SIGKILL');
          const t0 = performance.now();
          if (!item.post) {
            const r = await get(`${stack.targetUrl}/v1/posts?limit=5`, token).catch(() => ({
              status: 0,
              instance: null,
              upstream: null,
            }));
            outcomes.push({ i: item.i, ...r, ms: performance.now() - t0 });
          } else {
            const key = `lb-kill-${item.i}`;
            const r = await post(
              `${stack.targetUrl}/v1/posts`,
              { body: `keyed post ${key}` },
              { authorization: `Bearer ${token}`, 'idempotency-key': key },
            ).catch((err: unknown) => ({ status: 0, body: String(err), instance: null, upstream: null }));
            posts.push({
              key,
              status: r.status,
              id: typeof r.body === 'object' ? r.body?.id : undefined,
              instance: r.instance,
              upstream: r.upstream,
              ...(r.status === 201 ? {} : { body: r.body }),
            });
          }
        }
      };
      await Promise.all(Array.from({ length: clients }, loadClient));
      const seconds = (performance.now() - started) / 1000;
      const failed = outcomes.filter((o) => o.status !== 200);
      const retried = outcomes.filter((o) => o.upstream?.includes(',')).length;
      const before = outcomes.filter((o) => o.i < killAt - 50);
      const after = outcomes.filter((o) => o.i > killAt + 300);
      const sortedMs = outcomes.map((o) => o.ms).sort((a, b) => a - b);
      const pct = (q: number) =>
        Math.round(sortedMs[Math.min(sortedMs.length - 1, Math.floor(q * sortedMs.length))] ?? 0);
      // Figures for the record (docs/stack.md and README quote them).
      // nginx lists every instance a request went to; HAProxy names the last one only, so its retries are not counted here.
      process.stdout.write(
        `scale-out kill (${kind}): ${outcomes.length} GETs in ${seconds.toFixed(1)} s (${(outcomes.length / seconds).toFixed(0)} req/s), ${failed.length} failed (${((100 * failed.length) / outcomes.length).toFixed(3)} %), ${retried} retried on the other instance, GET ms p50 ${pct(0.5)} p99 ${pct(0.99)} max ${pct(1)}; ${posts.length} keyed POSTs (${posts.filter((p) => p.upstream?.includes(',')).length} retried), ${posts.filter((p) => p.status !== 201).length} not 201\n`,
      );

      const byStatus = (list: Array<{ status: number }>) => {
        const counts = new Map<number, number>();
        for (const o of list) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
        return [...counts].map(([k, n]) => `${k}×${n}`).join(' ');
      };
      const badPosts = posts.filter((p) => p.status !== 201);
      if (failed.length > 0 || badPosts.length > 0)
        process.stdout.write(
          `  failed GETs by status: ${byStatus(failed)}, request numbers ${failed[0]?.i}-${failed[failed.length - 1]?.i}; keyed POSTs by status: ${byStatus(posts)} ${JSON.stringify(badPosts.slice(0, 2))}\n`,
        );
      expect(outcomes).toHaveLength(total);
      expect(failed.length / total).toBeLessThan(0.001);
      expect(new Set(before.map((o) => o.instance))).toEqual(new Set(['1', '2']));
      // Instance 2 is started again (stack/supervisor.ts) a second or more later: the later requests may reach it again.
      expect(after.map((o) => o.instance)).toContain('1');
      expect(isAlive(victim)).toBe(false);
      expect(crashes).toContain('target instance 2');
      expect(crashes).not.toContain('target');

      // Every keyed POST answered 201 (retried on instance 1 if its first attempt died with instance 2), each exactly once.
      expect(posts.map((p) => p.status)).toEqual(Array(posts.length).fill(201));
      const client = new pg.Client({ connectionString: stack.postgresUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ body: string; n: number }>(
          "SELECT body, count(*)::int AS n FROM posts WHERE body LIKE 'keyed post lb-kill-%' GROUP BY body",
        );
        expect(rows).toHaveLength(posts.length);
        expect(rows.every((r) => r.n === 1)).toBe(true);
      } finally {
        await client.end();
      }
      // The stack still answers through the balancer.
      expect((await get(`${stack.targetUrl}/readyz`)).status).toBe(200);
    } finally {
      await stack.stop();
    }
  }, 240_000);
});

describe('supervised instances behind the balancer', () => {
  it('restarts a crashed instance on its port (shown in stack.json, read by `stack status`), and leaves it down after a crash loop while the others serve', async () => {
    const stateDir = path.join(scratch, 'supervised');
    const stack = await startStack({
      env,
      stateDir,
      lb: 'nginx',
      instances: 2,
      workers: 1,
      proxy: false,
      supervision: { maxRestarts: 1, windowMs: 60_000, backoffMs: 200, maxBackoffMs: 1000 },
    });
    const events: SupervisionEvent[] = [];
    const crashes: string[] = [];
    stack.onSupervision((e) => events.push(e));
    stack.onCrash((c) => crashes.push(c.component));
    const until = async (what: string, ok: () => boolean) => {
      const deadline = Date.now() + 90_000;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      const victim = (stack.pids.target as number[])[1] as number;
      process.kill(victim, 'SIGKILL');
      await until('the restart', () => events.some((e) => e.type === 'instance.restarted'));
      const restarted = events.find((e) => e.type === 'instance.restarted') as Extract<
        SupervisionEvent,
        { type: 'instance.restarted' }
      >;
      expect(restarted).toMatchObject({ instance: 2, previousPid: victim, restarts: 1 });
      expect(restarted.pid).not.toBe(victim);
      expect(isAlive(restarted.pid)).toBe(true);
      // On its own port again, answering as instance 2.
      expect(await get(`${stack.instanceUrls[1]}/readyz`)).toMatchObject({ status: 200, instance: '2' });
      const state = await readStackState(stateDir);
      expect(state.supervision).toEqual({ restarts: { 2: 1 }, givenUp: [] });
      expect((state.pids.target as number[])[1]).toBe(restarted.pid);
      expect((await recordedStackStatus(stateDir)).healthy).toBe(true);

      // A second crash within the window is a crash loop under this policy: left down, the balancer serves from instance 1.
      process.kill(restarted.pid, 'SIGKILL');
      await until('giving up', () => events.some((e) => e.type === 'instance.given-up'));
      expect(events.at(-1)).toMatchObject({ type: 'instance.given-up', instance: 2, crashes: 2 });
      const served = [await get(`${stack.targetUrl}/readyz`), await get(`${stack.targetUrl}/readyz`)];
      expect(served).toEqual([
        expect.objectContaining({ status: 200, instance: '1' }),
        expect.objectContaining({ status: 200, instance: '1' }),
      ]);
      await new Promise((r) => setTimeout(r, 1500));
      expect(events.filter((e) => e.type === 'instance.restarted')).toHaveLength(1);
      expect((await readStackState(stateDir)).supervision).toEqual({ restarts: { 2: 1 }, givenUp: [2] });
      expect(crashes).toEqual(['target instance 2', 'target instance 2']);
    } finally {
      await stack.stop();
    }
    expect(allPids(stack).filter(isAlive)).toEqual([]);
  }, 180_000);
});
