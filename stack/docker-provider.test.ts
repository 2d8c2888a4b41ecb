import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../common/index.ts';
import type { RunRecord } from '../reports/index.ts';
import { docker, requireDockerEngine, requireLocalImages } from '../test/docker.ts';
import { runRampart } from '../test/shop/system.ts';

/**
 * `rampart stack up --provider docker` on a real Docker engine, with the images deploy/images/build-local.sh
 * builds (POSTGRES_IMAGE, REDIS_IMAGE, TOXIPROXY_IMAGE): PostgreSQL, Redis and the Toxiproxy come up as
 * containers through testcontainers, a drill runs through that Toxiproxy, and Ctrl-C removes every container
 * and the network. testcontainers' reaper (Ryuk) is an image of its own that no registry here serves, so it is
 * off (TESTCONTAINERS_RYUK_DISABLED): the removal checked here is rampart's own.
 */
const bin = repoPath('bin', 'rampart.js');
let images: Record<string, string>;
let stateDir: string;

describe('the docker provider on a real Docker engine', () => {
  beforeAll(async () => {
    await requireDockerEngine();
    images = await requireLocalImages();
    stateDir = await mkdtemp(path.join(tmpdir(), 'rampart-docker-provider-'));
  }, 60_000);
  afterAll(() => rm(stateDir, { recursive: true, force: true }));

  it('starts the stack on containers published on 127.0.0.1, runs a drill through their Toxiproxy, and Ctrl-C removes every container', async () => {
    // testcontainers labels what it creates (org.testcontainers=true); compose projects running beside are not counted.
    const ids = async (args: string[]) =>
      (await docker([...args, '-q', '--no-trunc', '--filter', 'label=org.testcontainers=true']))
        .split('\n')
        .filter(Boolean);
    const before = new Set(await ids(['ps', '-a']));
    const networksBefore = new Set(await ids(['network', 'ls']));
    const env = { ...process.env, ...images, TESTCONTAINERS_RYUK_DISABLED: 'true' };
    const child = spawn(process.execPath, [bin, 'stack', 'up', '--provider', 'docker', '--state-dir', stateDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const until = Date.now() + 240_000;
      while (!/rampart stack ready/.test(stdout) && Date.now() < until && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 500));
      expect(stdout, `stack up did not become ready:\n${stdout}\n${stderr}`).toMatch(/rampart stack ready/);
      const state = JSON.parse(await readFile(path.join(stateDir, 'stack.json'), 'utf8')) as {
        target: string;
        proxy: string;
        provider: string;
        postgres: string;
        redis: string;
      };
      expect(state.provider).toBe('docker');

      // Three containers of the three images, each port published on 127.0.0.1 only.
      const mine = (await ids(['ps'])).filter((id) => !before.has(id));
      const inspected = JSON.parse(await docker(['inspect', ...mine])) as Array<{
        Config: { Image: string };
        HostConfig: { PortBindings: Record<string, Array<{ HostIp: string }>> };
      }>;
      expect(inspected.map((c) => c.Config.Image).sort()).toEqual(
        [images.POSTGRES_IMAGE, images.REDIS_IMAGE, images.TOXIPROXY_IMAGE].sort(),
      );
      const hostIps = inspected.flatMap((c) =>
        Object.values(c.HostConfig.PortBindings)
          .flat()
          .map((b) => b.HostIp),
      );
      expect(hostIps.length).toBe(5);
      expect(new Set(hostIps)).toEqual(new Set(['127.0.0.1']));
      expect(new URL(state.proxy).hostname).toBe('127.0.0.1');

      const out = path.join(stateDir, 'drill');
      // The compose system's drill file: its proxy names are the provider's too.
      const r = await runRampart([
        'drill',
        repoPath('deploy', 'drills', 'redis-down.yaml'),
        '--target',
        state.target,
        '--toxiproxy',
        state.proxy,
        '--database-url',
        state.postgres,
        '--out',
        out,
      ]);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      const record = JSON.parse(await readFile(path.join(out, 'run.json'), 'utf8')) as RunRecord;
      expect(record.drills.map((d) => [d.name, d.outcome])).toEqual([['compose-redis-down', 'pass']]);
      expect(record.drills[0]!.reconciliation).toMatchObject({ lost: 0, duplicated: 0 });
      // The fault was real: the containerised Toxiproxy took the redis proxy down and back up.
      expect(record.drills[0]!.faults).toHaveLength(1);
      const redis = (await (await fetch(`${state.proxy}/proxies/redis`)).json()) as { enabled: boolean };
      expect(redis.enabled).toBe(true);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      const left = (await ids(['ps', '-a'])).filter((id) => !before.has(id));
      expect(left, 'containers left after Ctrl-C').toEqual([]);
      const networksLeft = (await ids(['network', 'ls'])).filter((id) => !networksBefore.has(id));
      expect(networksLeft, 'networks left after Ctrl-C').toEqual([]);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        await exited;
      }
    }
  }, 600_000);

  it('without an engine (its socket hidden in a mount namespace of its own) exits 3 before starting anything, saying so', () => {
    const env = { ...process.env };
    delete env.DOCKER_HOST;
    delete env.TESTCONTAINERS_HOST_OVERRIDE;
    // /run holds docker.sock (/var/run is a link to it); a tmpfs over it, in this process's mount namespace only.
    const r = spawnSync(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount -t tmpfs tmpfs /run && { [ -L /var/run ] || mount -t tmpfs tmpfs /var/run; } && exec "$0" "$@"',
        process.execPath,
        bin,
        'stack',
        'up',
        '--provider',
        'docker',
        '--state-dir',
        path.join(tmpdir(), `rampart-no-engine-${process.pid}`),
      ],
      {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.error, 'unshare --mount (root) hides the engine from one process').toBeUndefined();
    expect(r.stderr).toMatch(/needs a Docker engine, and none is reachable/);
    expect(r.stderr).toMatch(/managed provider/);
    expect(r.status).toBe(3);
  });
});
