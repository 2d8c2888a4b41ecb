import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without types (bin/dist-fresh.js)
import { distIsFresh } from '../bin/dist-fresh.js';
import { repoPath } from '../common/index.ts';

/**
 * rampart as a user gets it: `npm pack` of this repository (the compiled build and the files the CLI loads at
 * run time, per package.json `files`), installed with npm into a fresh project of its own, and run there with
 * `npx rampart` on a suite file of that project against a server the test starts. The CLI must run from dist/
 * (no TypeScript is shipped) and write its reports into the project, not into node_modules.
 *
 * The pack skips `prepack` (which rebuilds dist/ from clean): other tests run the same dist/ at the same time.
 * `npm ci` built it; when a source is newer the test builds it first, as `npm run build` does.
 */
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 32 << 20, env: { ...process.env, npm_config_update_notifier: 'false' } },
      (err, stdout, stderr) => {
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
          stdout,
          stderr,
          ms: Date.now() - t0,
        });
      },
    );
  });
}

const SUITE = `name: mine
description: Two routes of my own server, 60 requests
scenarios:
  - name: mine
    executor: constant-arrival-rate
    rate: 20
    duration: 3s
    maxVUs: 20
    flows:
      - name: read
        steps:
          - { name: GET /hello, path: /hello, expectStatus: [200] }
          - { name: GET /time, path: /time, expectStatus: [200] }
    thresholds:
      http_req_failed: ["rate<0.5"]
`;

describe('the packed package installed in another project', () => {
  it('npm pack → npm install --save-dev → npx rampart run, init and gate there, with the reports in the project', async () => {
    if (!(distIsFresh as () => boolean)()) {
      const build = await run('npm', ['run', 'build'], repoPath(), 600_000);
      expect(build.code, build.stderr).toBe(0);
    }
    const work = await mkdtemp(path.join(os.tmpdir(), 'rampart-installed-'));
    dirs.push(work);
    const pack = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
      repoPath(),
      300_000,
    );
    expect(pack.code, pack.stderr).toBe(0);
    const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const shipped = new Set(packed?.files.map((f) => f.path));
    for (const f of [
      'bin/rampart.js',
      'dist/cli/main.js',
      'dist/target/worker.js',
      'dist/proxy/main.js',
      'scenarios/suites/smoke.yaml',
      'chaos/drills/files/pg-down.yaml',
      'slo.yaml',
      'schemas/scenario.schema.json',
      'target/migrations/0001_users_auth_outbox.sql',
    ]) {
      expect(shipped.has(f), `${f} is not in the package`).toBe(true);
    }
    expect([...shipped].filter((f) => f.endsWith('.ts') || f.startsWith('dist/test/'))).toEqual([]);

    const project = path.join(work, 'my-api');
    await run('mkdir', ['-p', project], work, 10_000);
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'my-api', version: '1.0.0', private: true }, null, 2),
    );
    const install = await run(
      'npm',
      [
        'install',
        '--save-dev',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        path.join(work, packed?.filename as string),
      ],
      project,
      900_000,
    );
    expect(install.code, install.stderr).toBe(0);
    console.log(`installed the packed tarball in ${(install.ms / 1000).toFixed(1)} s`);

    const help = await run('npx', ['rampart', '--help'], project, 60_000);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('init [options]');
    console.log(`npx rampart --help in the installed project: ${help.ms} ms`);

    await writeFile(path.join(project, 'my-suite.yaml'), SUITE);
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(req.url === '/hello' || req.url === '/time' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ at: Date.now() }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await run('npx', ['rampart', 'run', 'my-suite.yaml', '--target', url], project, 120_000);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('http_req_failed');
      expect(hits.filter((h) => h === '/hello').length).toBeGreaterThan(40);
      const record = JSON.parse(await readFile(path.join(project, 'reports/out/run.json'), 'utf8')) as {
        verdict: string;
      };
      expect(record.verdict).toBe('pass');

      // The starter of `rampart init`, from the installed package; the editor schema it names is there.
      const init = await run('npx', ['rampart', 'init', '--target', url], project, 60_000);
      expect(init.code, init.stderr).toBe(0);
      const schema = /\$schema=(\S+)/.exec(
        await readFile(path.join(project, 'rampart/api.yaml'), 'utf8'),
      )?.[1] as string;
      expect(existsSync(path.resolve(project, 'rampart', schema)), schema).toBe(true);
      // The gate there, on the project's own suite: judged by the slo.yaml init wrote (its objectives of the
      // starter suite are "not run"), and by the suite's own thresholds; reports under the project's reports/out.
      const gate = await run(
        'npx',
        ['rampart', 'gate', '--target', url, '--suites', 'my-suite.yaml', '--drills', 'none', '--no-scan'],
        project,
        120_000,
      );
      expect(gate.code, gate.stdout + gate.stderr).toBe(0);
      expect(gate.stderr).toContain('judged by slo.yaml');
      expect(gate.stderr).toMatch(/not run: api p95/);
      expect(gate.stdout).toMatch(/reports: reports\/out\/[^/]+\/run\.json/);
      expect(existsSync(path.join(project, 'node_modules/rampart/reports'))).toBe(false);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 1_200_000);
});
