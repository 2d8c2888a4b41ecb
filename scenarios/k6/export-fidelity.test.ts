import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../common/index.ts';
import { runCli } from '../../cli/testing.ts';
import { loadSuite } from '../suites.ts';
import { envAsPlaceholders, exportK6, extractOptions } from './export.ts';
import { runK6StandIn } from './testing/k6-stand-in.ts';

// What k6 would do differently from the suite, fixed in the script or said in it. No k6 binary can exist
// here: scripts are type-checked against @types/k6 (tsc) and their options read back.
const cacheDir = repoPath('node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const dir = mkdtempSync(path.join(cacheDir, 'rampart-k6-fidelity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const suiteFile = (name: string, scenarios: string) => {
  const f = path.join(dir, `${name}.yaml`);
  writeFileSync(f, `name: ${name}\ndescription: test\nscenarios:\n${scenarios}`);
  return f;
};
const flow = `    flows:
      - name: f
        steps:
          - name: GET /x
            path: /x
            headers: { authorization: "Bearer {{env.API_TOKEN}}" }
            retry: { attempts: 3, on: [503, network, timeout], backoffMs: 100 }
`;

describe('k6 export runs under k6 as the suite runs under rampart', () => {
  const file = suiteFile(
    'fidelity',
    `  - name: a-b
    executor: constant-arrival-rate
    rate: 2.5
    duration: "30"
    requestTimeout: 4s
${flow}  - name: a_b
    executor: ramping-arrival-rate
    startRate: 0.5
    stages: [{ target: 1.25, duration: 10 }]
    thresholds: { "http_req_duration{tag:GET /x}": ["p(95)<300"], late_requests: ["count<1"] }
    thresholdWindows: [10]
${flow}`,
  );

  it('fractional rates get a longer timeUnit, bare-number durations get units, exec names stay unique, timeouts are carried', () => {
    const suite = loadSuite(file, 'quick', { env: envAsPlaceholders });
    const { script, notExported } = exportK6(suite);
    const o = extractOptions(script) as {
      scenarios: Record<string, Record<string, unknown>>;
      thresholds: Record<string, unknown>;
    };
    expect(o.scenarios['a-b']).toMatchObject({ rate: 5, timeUnit: '2000ms', duration: '30s', exec: 'flow_a_b' });
    expect(o.scenarios.a_b).toMatchObject({
      startRate: 2,
      timeUnit: '4000ms',
      stages: [{ target: 5, duration: '10s' }],
      exec: 'flow_a_b_2',
      startTime: '34000ms',
    });
    expect(script).toContain('export function flow_a_b(data: SetupData)');
    expect(script).toContain('export function flow_a_b_2(data: SetupData)');
    expect(script).toContain('const TIMEOUT: Record<string, string> = {"a-b":"4000ms","a_b":"10000ms"}');
    // {tag:…} is rampart's spelling of k6's {name:…}; thresholds k6 cannot judge are said, not dropped silently.
    expect(o.thresholds).toEqual({ 'http_req_duration{scenario:a_b,name:GET /x}': ['p(95)<300'] });
    expect(notExported.join('\n')).toMatch(/late_requests thresholds \(a_b\)/);
    expect(notExported.join('\n')).toMatch(/sliding threshold windows \(a_b\)/);
    expect(notExported.join('\n')).toMatch(/retries \(a-b, a_b\) run as a loop/);
    for (const n of notExported) expect(script).toContain(`//   - ${n}`);
  });

  it('{{env.NAME}} is read from __ENV when the script runs: the secret is not in the script, which type-checks with its retry loop', async () => {
    const res = await runCli(['k6', 'export', file, '--profile', 'quick', '--out', path.join(dir, 'fidelity.k6.ts')], {
      API_TOKEN: 's3cr3t-value',
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('the script reads __ENV.API_TOKEN: run it with -e API_TOKEN=…');
    expect(res.stderr).toMatch(/not as in rampart: late_requests thresholds/);
    const script = readFileSync(path.join(dir, 'fidelity.k6.ts'), 'utf8');
    expect(script).not.toContain('s3cr3t-value');
    expect(script).toContain('Bearer {{env.API_TOKEN}}');
    expect(script).toContain('env: __ENV');
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2020',
          module: 'ES2020',
          moduleResolution: 'node',
          strict: true,
          noEmit: true,
          lib: ['ES2020'],
          types: ['k6'],
          typeRoots: [repoPath('node_modules', '@types')],
          skipLibCheck: true,
        },
        files: ['fidelity.k6.ts'],
      }),
    );
    let out = '';
    try {
      execFileSync(
        process.execPath,
        [repoPath('node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')],
        { encoding: 'utf8' },
      );
    } catch (err) {
      out = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(out).toBe('');
  }, 120_000);

  it('users rows (k6\'s SharedArray) fill {{user.*}}: each VU sends its own row, never "undefined"', async () => {
    const seen: string[] = [];
    const srv = http.createServer((req, res) => {
      seen.push(String(req.headers['x-user']));
      res.end('{}');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const rows = suiteFile(
        'rows',
        `  - name: rows
    executor: per-vu-iterations
    vus: 3
    iterations: 2
    users: [{ name: ann }, { name: bob }, { name: cy }]
    flows: [{ name: f, steps: [{ path: /me, headers: { x-user: "{{user.name}}" } }] }]
`,
      );
      const { script } = exportK6(loadSuite(rows, 'quick'));
      expect(script).toContain('new SharedArray("users:rows", () => [{"name":"ann"},{"name":"bob"},{"name":"cy"}])');
      const run = await runK6StandIn(script, {
        baseUrl: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
        out: path.join(dir, 'rows.json'),
        maxIterations: 100,
      });
      expect(run.scenarios).toEqual([{ name: 'rows', vus: 3, iterations: 6 }]);
      expect(seen.sort()).toEqual(['ann', 'ann', 'bob', 'bob', 'cy', 'cy']);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  }, 60_000);

  it("a step's retry re-sends under k6 too: a 503 then a 200 is two requests in k6's output, the flow goes on", async () => {
    let n = 0;
    const srv = http.createServer((req, res) => {
      n += 1;
      res.writeHead(req.url === '/flaky' && n % 2 === 1 ? 503 : 200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const f = suiteFile(
        'retry',
        `  - name: retry
    executor: per-vu-iterations
    vus: 1
    iterations: 2
    flows: [{ name: f, steps: [{ name: GET /flaky, path: /flaky, retry: { attempts: 3, on: [503] }, checks: [{ type: status, equals: 200 }] }] }]
`,
      );
      const out = path.join(dir, 'retry.json');
      await runK6StandIn(exportK6(loadSuite(f, 'quick')).script, {
        baseUrl: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
        out,
        maxIterations: 10,
      });
      const points = readFileSync(out, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(
          (l) =>
            JSON.parse(l) as { type: string; metric: string; data: { value: number; tags: Record<string, string> } },
        );
      expect(
        points.filter((p) => p.type === 'Point' && p.metric === 'http_reqs').map((p) => p.data.tags.status),
      ).toEqual(['503', '200', '503', '200']);
      expect(points.filter((p) => p.type === 'Point' && p.metric === 'checks').map((p) => p.data.value)).toEqual([
        1, 1,
      ]);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  }, 60_000);

  it("redirects and cookies as the suite says: by default k6's own (10 redirects, a jar per VU); maxRedirects 0 and cookies none give maxRedirects 0 and an empty jar per request", () => {
    const f = (extra: string) =>
      suiteFile(
        'redirect',
        `  - name: redirect
    executor: per-vu-iterations${extra}
    flows: [{ name: f, steps: [{ name: GET /old, path: /old, expectStatus: [302] }] }]
`,
      );
    const plain = exportK6(loadSuite(f(''), 'quick')).script;
    expect((extractOptions(plain) as { maxRedirects: number }).maxRedirects).toBe(10);
    expect(plain).toContain('const COOKIES: Record<string, boolean> = {"redirect":true}');
    const none = exportK6(loadSuite(f('\n    maxRedirects: 0\n    cookies: none'), 'quick')).script;
    expect((extractOptions(none) as { maxRedirects: number }).maxRedirects).toBe(0);
    expect(none).toContain('const COOKIES: Record<string, boolean> = {"redirect":false}');
    expect(none).toContain('new http.CookieJar()');
  });
});
