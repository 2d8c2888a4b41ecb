import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort, repoPath } from '../common/index.ts';
import type { RunRecord } from '../reports/index.ts';
import { dockerObjects, docker, requireDockerEngine, requireLocalImages } from '../test/docker.ts';
import { runRampart } from '../test/shop/system.ts';

/**
 * docker-compose.yml run for real on a Docker engine, with the images deploy/images/build-local.sh builds
 * (the same variables take the official images where a registry is reachable): `up` brings the system up on
 * ports published on 127.0.0.1, the gate passes its smoke suite and a drill file (deploy/drills/redis-down.yaml)
 * whose fault goes through the compose file's Toxiproxy, and `down -v` leaves no container, network or volume.
 */
const execFileP = promisify(execFile);
const project = `rampartci${process.pid}`;
let env: NodeJS.ProcessEnv;
let ports: { nginx: number; toxiproxy: number; postgres: number };

function compose(args: string[], timeoutMs = 300_000): Promise<{ stdout: string; stderr: string }> {
  return execFileP(
    'docker-compose',
    [
      '-p',
      project,
      '-f',
      repoPath('docker-compose.yml'),
      '--env-file',
      repoPath('deploy', 'images', 'local-images.env'),
      ...args,
    ],
    {
      env,
      cwd: repoPath(),
      timeout: timeoutMs,
      maxBuffer: 32 * 1024 * 1024,
    },
  );
}

async function waitReady(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  let last = '';
  while (Date.now() < until) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      await res.body?.cancel();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${url} not ready within ${ms} ms (last: ${last})`);
}

describe('docker-compose.yml on a real Docker engine', () => {
  let out: string;
  let upped = false;
  beforeAll(async () => {
    await requireDockerEngine();
    await requireLocalImages();
    await execFileP('docker-compose', ['version']).catch(() => {
      throw new Error('docker-compose is not installed (apt-get install docker-compose; .ci/run installs it)');
    });
    out = await mkdtemp(path.join(tmpdir(), 'rampart-compose-'));
    ports = { nginx: await getFreePort(), toxiproxy: await getFreePort(), postgres: await getFreePort() };
    env = {
      ...process.env,
      NGINX_PORT: String(ports.nginx),
      TOXIPROXY_PORT: String(ports.toxiproxy),
      POSTGRES_PORT: String(ports.postgres),
      REDIS_PORT: String(await getFreePort()),
      PROMETHEUS_PORT: String(await getFreePort()),
      // The drill's users sign up from one address; its load suite raises the same limit on managed stacks.
      RATE_LIMIT_ANON_PER_MINUTE: '100000',
    };
  }, 60_000);
  afterAll(async () => {
    if (upped) await compose(['down', '-v', '--remove-orphans']).catch(() => undefined);
    if (out) await rm(out, { recursive: true, force: true });
  }, 120_000);

  it('comes up on 127.0.0.1, passes the gate (smoke and a drill through its Toxiproxy), and down -v leaves nothing', async () => {
    upped = true;
    await compose(['up', '-d', '--no-build']);
    const base = `http://127.0.0.1:${ports.nginx}`;
    const toxiproxy = `http://127.0.0.1:${ports.toxiproxy}`;
    await waitReady(`${base}/readyz`, 180_000);

    // The system itself, not the tools: two target replicas behind nginx, every port on loopback.
    const services = (await compose(['ps', '--services', '--filter', 'status=running'])).stdout
      .split('\n')
      .filter(Boolean)
      .sort();
    expect(services).toEqual(['nginx', 'postgres', 'prometheus', 'redis', 'target', 'toxiproxy']);
    const mine = (
      await docker([
        'ps',
        '-q',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--filter',
        'label=com.docker.compose.service=target',
      ])
    )
      .split('\n')
      .filter(Boolean);
    expect(mine.length, `target replicas of ${project}`).toBe(2);
    const published = (
      await docker(['ps', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Ports}}'])
    )
      .split(/[\n,]/)
      .map((p) => p.trim())
      .filter((p) => p.includes('->'));
    expect(published.length).toBe(5);
    for (const p of published) expect(p, 'every published port binds 127.0.0.1').toMatch(/^127\.0\.0\.1:\d+->/);
    const proxies = (await (await fetch(`${toxiproxy}/proxies`)).json()) as Record<string, { upstream: string }>;
    expect(Object.keys(proxies).sort()).toEqual(['postgres', 'redis']);

    const dir = path.join(out, 'gate');
    // While the gate runs, the compose Toxiproxy is watched: its redis proxy must be seen disabled (the fault) and
    // end enabled (the rollback).
    const seen = new Set<boolean>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const p = (await (await fetch(`${toxiproxy}/proxies/redis`)).json()) as { enabled: boolean };
        seen.add(p.enabled);
        await new Promise((res) => setTimeout(res, 500));
      }
    })();
    const r = await runRampart([
      'gate',
      '--target',
      base,
      '--toxiproxy',
      toxiproxy,
      '--database-url',
      `postgres://postgres:postgres@127.0.0.1:${ports.postgres}/socialconnect`,
      '--suites',
      'smoke',
      '--drills',
      repoPath('deploy', 'drills', 'redis-down.yaml'),
      '--no-scan',
      '--out',
      dir,
    ]);
    watching = false;
    await watch;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^verdict: PASS/m);
    expect([...seen].sort(), 'the redis proxy was seen disabled during the drill').toEqual([false, true]);
    const record = JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
    expect(record.drills.map((d) => [d.name, d.outcome])).toEqual([['compose-redis-down', 'pass']]);
    expect(record.drills[0]!.reconciliation).toMatchObject({ lost: 0, duplicated: 0 });
    expect(record.drills[0]!.reconciliation!.acknowledged).toBeGreaterThan(10);
    const smoke = record.samples.filter((s) => s.tag !== undefined && s.scenario === 'smoke');
    expect(smoke.reduce((n, s) => n + s.count, 0)).toBeGreaterThan(0);
    // The fault went through the compose file's Toxiproxy and was rolled back there.
    expect(record.drills[0]!.faults).toHaveLength(1);
    const redis = (await (await fetch(`${toxiproxy}/proxies/redis`)).json()) as { enabled: boolean };
    expect(redis.enabled).toBe(true);

    const label = `com.docker.compose.project=${project}`;
    // Anonymous volumes (an image's VOLUME) carry no project label: named here before `down -v` removes them.
    const ids = await dockerObjects('container', label);
    const mounts = JSON.parse(await docker(['inspect', ...ids])) as Array<{
      Mounts: Array<{ Type: string; Name?: string }>;
    }>;
    const volumes = mounts
      .flatMap((c) => c.Mounts)
      .filter((m) => m.Type === 'volume' && m.Name)
      .map((m) => m.Name!);
    expect(volumes.length).toBeGreaterThan(0);
    await compose(['down', '-v']);
    upped = false;
    const remaining = (await docker(['volume', 'ls', '-q'])).split('\n');
    expect(
      volumes.filter((v) => remaining.includes(v)),
      'volumes left by down -v',
    ).toEqual([]);
    expect(await dockerObjects('container', label)).toEqual([]);
    expect(await dockerObjects('network', label)).toEqual([]);
    expect(await dockerObjects('volume', label)).toEqual([]);
  }, 600_000);
});
