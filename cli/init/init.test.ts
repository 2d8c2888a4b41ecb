import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../common/index.ts';
import { runCli } from '../testing.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'rampart-init-test-'));
  dirs.push(d);
  return d;
}

/** A two-route API of the test's own; every answer waits `delayMs` (the slowed server), any other path is 404. */
async function twoRouteServer(
  delayMs: number,
): Promise<{ url: string; hits: Map<string, number>; close: () => Promise<void> }> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const known = req.method === 'GET' && (req.url === '/items' || req.url === '/status');
    hits.set(`${req.method} ${req.url}`, (hits.get(`${req.method} ${req.url}`) ?? 0) + 1);
    setTimeout(() => {
      res.writeHead(known ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(known ? { ok: true } : { error: 'not found' }));
    }, delayMs);
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const OPENAPI = `openapi: 3.0.3
info: { title: items, version: "1" }
paths:
  /items:
    get: { responses: { "200": { description: the items } } }
    post: { responses: { "201": { description: created } } }
  /items/{id}:
    get: { parameters: [{ name: id, in: path, required: true, schema: { type: string } }], responses: { "200": { description: one } } }
  /status:
    get: { responses: { "200": { description: up } } }
`;

/** `rampart <args>` as a user runs it: the bin, its own process, in `cwd`. */
function rampart(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [repoPath('bin', 'rampart.js'), ...args],
      { cwd, timeout: 180_000, maxBuffer: 8 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface Verdict {
  objective: string;
  outcome: string;
}
async function verdictsOf(dir: string): Promise<{ verdict: string; verdicts: Verdict[] }> {
  const record = JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8')) as {
    verdict: string;
    verdicts: Verdict[];
  };
  return { verdict: record.verdict, verdicts: record.verdicts };
}

describe('rampart init', () => {
  it("writes a suite of the OpenAPI document's GET routes, an slo.yaml, a drill and a workflow, and the gate there passes a healthy server and fails a slowed one", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'openapi.yaml'), OPENAPI);
    const healthy = await twoRouteServer(0);
    try {
      const init = await rampart(['init', '--target', healthy.url, '--openapi', 'openapi.yaml'], dir);
      expect(init.stderr).toBe('');
      expect(init.code).toBe(0);
      for (const f of ['rampart/api.yaml', 'rampart/api-freeze.yaml', 'slo.yaml', '.github/workflows/rampart.yml'])
        expect(init.stdout).toContain(f);
      const suite = await readFile(path.join(dir, 'rampart/api.yaml'), 'utf8');
      expect(suite).toContain('path: "/items"');
      expect(suite).toContain('path: "/status"');
      expect(suite).not.toContain('{id}');
      expect(await readFile(path.join(dir, '.github/workflows/rampart.yml'), 'utf8')).toContain(
        `TARGET_URL: ${healthy.url}`,
      );

      const gateArgs = (url: string, out: string) => [
        'gate',
        '--target',
        url,
        '--suites',
        'rampart/api.yaml',
        '--drills',
        'none',
        '--no-scan',
        '--out',
        out,
      ];
      const pass = await rampart(gateArgs(healthy.url, 'reports/healthy'), dir);
      const passed = await verdictsOf(path.join(dir, 'reports/healthy'));
      expect(passed.verdict, pass.stdout + pass.stderr).toBe('pass');
      expect(pass.code).toBe(0);
      expect(passed.verdicts.map((v) => [v.objective, v.outcome])).toEqual(
        expect.arrayContaining([
          ['api p95', 'pass'],
          ['api errors', 'pass'],
        ]),
      );
      expect(pass.stderr).toContain('judged by slo.yaml');
      expect(pass.stderr).toMatch(/not run: drill api-freeze/);
      expect(healthy.hits.get('GET /items')).toBeGreaterThan(100);
      expect(healthy.hits.get('GET /status')).toBeGreaterThan(100);
    } finally {
      await healthy.close();
    }

    const slowed = await twoRouteServer(700);
    try {
      const fail = await rampart(
        ['gate', '--target', slowed.url, '--suites', 'rampart/api.yaml', '--drills', 'none', '--no-scan'],
        dir,
      );
      // The default report directory is reports/out/<timestamp> in the working directory.
      const [stamp] = await readdir(path.join(dir, 'reports/out'));
      const failed = await verdictsOf(path.join(dir, 'reports/out', stamp as string));
      expect(failed.verdict, fail.stdout + fail.stderr).toBe('fail');
      expect(fail.code).toBe(1);
      expect(failed.verdicts.find((v) => v.objective === 'api p95')?.outcome).toBe('fail');
      expect(fail.stdout).toMatch(/FAIL\s+api p95/);
    } finally {
      await slowed.close();
    }
  }, 300_000);

  it('refuses to write over an existing file, naming it, and writes nothing; --force replaces', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'slo.yaml'), 'mine\n');
    const refused = await runCli(['init'], {}, dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('slo.yaml already exists');
    expect(refused.stderr).toContain('--force');
    expect(await readFile(path.join(dir, 'slo.yaml'), 'utf8')).toBe('mine\n');
    expect((await readdir(dir)).sort()).toEqual(['slo.yaml']);

    const forced = await runCli(['init', '--force'], {}, dir);
    expect(forced.code).toBe(0);
    expect(await readFile(path.join(dir, 'slo.yaml'), 'utf8')).toContain('kind: SloSpec');
    const suite = await readFile(path.join(dir, 'rampart/api.yaml'), 'utf8');
    expect(suite).toContain('path: "/"');
    expect(suite).toContain('no --openapi or --har given');
  });

  it('takes the GET requests of a HAR recording that were answered, on its origin, and the origin as the target', async () => {
    const dir = await tempDir();
    const entry = (method: string, url: string, status: number) => ({
      request: { method, url, headers: [] },
      response: { status, headers: [] },
    });
    const har = {
      log: {
        version: '1.2',
        entries: [
          entry('GET', 'http://127.0.0.1:9031/catalog?page=1', 200),
          entry('POST', 'http://127.0.0.1:9031/orders', 201),
          entry('GET', 'http://127.0.0.1:9031/missing', 404),
          entry('GET', 'https://cdn.example.test/app.js', 200),
          entry('GET', 'http://127.0.0.1:9031/catalog?page=1', 200),
          entry('GET', 'http://127.0.0.1:9031/health', 200),
        ],
      },
    };
    await writeFile(path.join(dir, 'session.har'), JSON.stringify(har));
    const r = await runCli(['init', '--har', path.join(dir, 'session.har')], {}, dir);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('for http://127.0.0.1:9031 (routes: /catalog?page=1, /health)');
    const suite = await readFile(path.join(dir, 'rampart/api.yaml'), 'utf8');
    expect(suite).not.toMatch(/orders|missing|app\.js/);
  });

  it('exits 2 on a file that is no OpenAPI document, and on --openapi with --har', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'not-openapi.yaml'), 'hello: world\n');
    const bad = await runCli(['init', '--openapi', path.join(dir, 'not-openapi.yaml')], {}, dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('RAMPART_OPENAPI_INVALID');
    const both = await runCli(['init', '--openapi', 'a.yaml', '--har', 'b.har'], {}, dir);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--openapi and --har');
    expect(await readdir(dir)).toEqual(['not-openapi.yaml']);
  });
});
