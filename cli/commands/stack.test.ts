import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../../common/index.ts';
import { isAlive, treeMembers } from '../../stack/index.ts';
import { requireDockerEngine } from '../../test/docker.ts';
import { runCli } from '../testing.ts';

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, env);

/** Spawns bin/rampart.js as a user would; resolves on exit. */
function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  onStdout?: (text: string, child: ReturnType<typeof spawn>) => void,
) {
  const child = spawn(process.execPath, [repoPath('bin/rampart.js'), ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += String(c);
    onStdout?.(stdout, child);
  });
  child.stderr.on('data', (c) => (stderr += String(c)));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('rampart stack', () => {
  it('up: prints "rampart stack ready", writes stack.json, and on SIGTERM stops every process and exits 0', async () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'rampart-state-'));
    let state: { target: string; pids: Record<string, number | number[]> } | undefined;
    let tree: number[] = [];
    let readyStatus = 0;
    const started = performance.now();
    let readyMs = 0;
    const result = await spawnCli(
      ['stack', 'up', '--workers', '2', '--state-dir', stateDir],
      { ...process.env },
      (text, child) => {
        if (state || !text.includes('rampart stack ready')) return;
        readyMs = performance.now() - started;
        state = JSON.parse(readFileSync(path.join(stateDir, 'stack.json'), 'utf8'));
        const pids = Object.entries(state!.pids)
          .filter(([k]) => k !== 'stack')
          .flatMap(([, v]) => (Array.isArray(v) ? v : [v]));
        tree = [...new Set(pids.flatMap((p) => [p, ...treeMembers(p)]))];
        void fetch(`${state!.target}/readyz`).then((r) => {
          readyStatus = r.status;
          child.kill('SIGTERM');
        });
      },
    );
    expect(result.stderr).not.toContain('exited unexpectedly');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/target\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(readyStatus).toBe(200);
    expect(Object.keys(state!.pids).sort()).toEqual(['postgres', 'proxy', 'redis', 'stack', 'target', 'workers']);
    expect(tree.length).toBeGreaterThanOrEqual(6);
    expect(tree.filter(isAlive)).toEqual([]);
    expect(existsSync(path.join(stateDir, 'stack.json'))).toBe(false);
    expect(readyMs).toBeLessThan(60_000); // the goal (< 15 s) is measured in docs/stack.md, not asserted on a shared machine
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('status reports a running stack (exit 0) and down stops it through its owner, leaving nothing alive', async () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'rampart-state-'));
    let checks: Promise<void> | undefined;
    const results: Record<string, { code: number; stdout: string }> = {};
    let tree: number[] = [];
    const up = await spawnCli(
      ['stack', 'up', '--workers', '1', '--state-dir', stateDir],
      { ...process.env },
      (text) => {
        if (checks || !text.includes('rampart stack ready')) return;
        checks = (async () => {
          const state = JSON.parse(readFileSync(path.join(stateDir, 'stack.json'), 'utf8')) as {
            pids: Record<string, number | number[]>;
          };
          tree = Object.entries(state.pids)
            .filter(([k]) => k !== 'stack')
            .flatMap(([, v]) => (Array.isArray(v) ? v : [v]))
            .flatMap((p) => [p, ...treeMembers(p)]);
          results.status = await run(['stack', 'status', '--state-dir', stateDir]);
          results.down = await run(['stack', 'down', '--state-dir', stateDir]);
        })();
      },
    );
    await checks;
    expect(results.status?.code).toBe(0);
    expect(results.status?.stdout).toMatch(/rampart stack up: http:\/\/127\.0\.0\.1:\d+ \(\/readyz 200\)/);
    expect(results.down?.code).toBe(0);
    expect(up.code).toBe(0);
    expect(tree.filter(isAlive)).toEqual([]);
    expect(existsSync(path.join(stateDir, 'stack.json'))).toBe(false);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('up: exits 3 saying how to install redis-server when it is not on PATH', async () => {
    const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'rampart-nopath-'));
    try {
      const result = await spawnCli(['stack', 'up', '--state-dir', emptyDir], {
        ...process.env,
        PATH: emptyDir,
        REDIS_URL: '',
      });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('redis-server');
      expect(result.stderr).toContain('apt-get install redis-server');
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });

  it('up: exits 3 naming a requested port that is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await run(['stack', 'up', '--port', String(port)]);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`port ${port}`);
    } finally {
      blocker.close();
    }
  });

  it('up: exits 2 naming DATABASE_URL when it is not a postgres URL, and 3 when it does not answer', async () => {
    const bad = await run(['stack', 'up'], { DATABASE_URL: 'mysql://127.0.0.1/x' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('DATABASE_URL');
    const unreachable = await run(['stack', 'up', '--no-proxy'], { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/app' });
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('DATABASE_URL');
    expect(unreachable.stderr).toMatch(/ECONNREFUSED|does not answer/);
  });

  it.each([
    [['--workers', '0'], '--workers'],
    [['--workers', 'two'], '--workers'],
    [['--port', '70000'], '--port'],
    [['--seed-users', '-1'], '--seed-users'],
    [['--provider', 'kubernetes'], '--provider'],
  ])('up %j: exits 2 naming the flag', async (flags, name) => {
    const result = await run(['stack', 'up', ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(name);
  });

  // Without an engine it exits 3 too (RAMPART_DOCKER_UNAVAILABLE): stack/docker-provider.test.ts hides the engine.
  it('up --provider docker: an image the engine cannot get exits 3 naming the component, the image and its variable', async () => {
    await requireDockerEngine();
    const result = await spawnCli(
      ['stack', 'up', '--provider', 'docker', '--state-dir', mkdtempSync(path.join(os.tmpdir(), 'rampart-state-'))],
      {
        ...process.env,
        POSTGRES_IMAGE: 'rampart-local/absent:none',
        TESTCONTAINERS_RYUK_DISABLED: 'true',
      },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('could not start PostgreSQL (image rampart-local/absent:none, POSTGRES_IMAGE)');
    expect(result.stderr).toContain('RAMPART_DOCKER_START_FAILED');
    expect(result.stderr).toContain('deploy/images/build-local.sh');
  }, 120_000);

  it('down/status: exit 3 with a hint when no stack is recorded', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-state-'));
    const status = await run(['stack', 'status', '--state-dir', dir]);
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('rampart stack up');
    const down = await run(['stack', 'down', '--state-dir', dir]);
    expect(down.code).toBe(3);
    rmSync(dir, { recursive: true, force: true });
  });

  it('up --lb/--instances: exit 2 naming the flag and the fix', async () => {
    const zero = await run(['stack', 'up', '--lb', 'nginx', '--instances', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--instances must be a whole number from 1 to 16, got "0"');
    const foo = await run(['stack', 'up', '--lb', 'foo']);
    expect(foo.code).toBe(2);
    expect(foo.stderr).toContain('--lb: "foo" is not a load balancer rampart can run (nginx, haproxy)');
    const alone = await run(['stack', 'up', '--instances', '3']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--instances 3 needs a load balancer[\s\S]*add --lb nginx/);
  });

  it('run and gate take the same --lb/--instances flags, and refuse --lb with --target', async () => {
    for (const cmd of [['run', 'smoke'], ['gate']]) {
      const foo = await run([...cmd, '--lb', 'foo']);
      expect(foo.code).toBe(2);
      expect(foo.stderr).toContain('--lb: "foo" is not a load balancer rampart can run (nginx, haproxy)');
      const alone = await run([...cmd, '--instances', '2']);
      expect(alone.code).toBe(2);
      expect(alone.stderr).toContain('--instances 2 needs a load balancer');
      const both = await run([...cmd, '--lb', 'nginx', '--target', 'http://127.0.0.1:9']);
      expect(both.code).toBe(2);
      expect(both.stderr).toContain('--lb scales out the managed stack; --target is a server rampart does not start');
    }
  });

  it('up --lb nginx --instances 2: records the balancer and both clusters; SIGKILL to rampart takes nginx and the instances down too', async () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'rampart-state-'));
    let state:
      | { target: string; pids: Record<string, number | number[]>; lb?: { configFile: string; instances: string[] } }
      | undefined;
    let tree: number[] = [];
    const served = new Set<string | null>();
    const result = await spawnCli(
      ['stack', 'up', '--lb', 'nginx', '--instances', '2', '--workers', '1', '--no-proxy', '--state-dir', stateDir],
      { ...process.env },
      (text, child) => {
        if (state || !text.includes('rampart stack ready')) return;
        state = JSON.parse(readFileSync(path.join(stateDir, 'stack.json'), 'utf8'));
        const pids = Object.entries(state!.pids)
          .filter(([k]) => k !== 'stack')
          .flatMap(([, v]) => (Array.isArray(v) ? v : [v]));
        tree = [...new Set(pids.flatMap((p) => [p, ...treeMembers(p)]))];
        void (async () => {
          for (let i = 0; i < 4; i++) {
            const r = await fetch(`${state!.target}/livez`);
            await r.body?.cancel();
            served.add(r.headers.get('x-instance-id'));
          }
          child.kill('SIGKILL');
        })();
      },
    );
    expect(result.code).toBe(null);
    expect(result.stdout).toMatch(/2 instances x 1 worker behind nginx/);
    expect(state!.pids.target).toHaveLength(2);
    expect(typeof state!.pids.lb).toBe('number');
    expect(state!.lb?.configFile).toBe(path.join(stateDir, 'nginx', 'nginx.conf'));
    expect([...served].sort()).toEqual(['1', '2']);
    // Nothing outlives rampart: every child dies with it (PR_SET_PDEATHSIG), nginx's workers with their master.
    await expect.poll(() => tree.filter(isAlive), { timeout: 20_000, interval: 100 }).toEqual([]);
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  it('has --help with an example', async () => {
    const result = await run(['stack', 'up', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('$ rampart stack up');
  });
});
