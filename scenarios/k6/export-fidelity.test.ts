import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../common/index.ts';
import { runCli } from '../../cli/testing.ts';
import { loadSuite } from '../suites.ts';
import { envAsPlaceholders, exportK6, extractOptions } from './export.ts';

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
  const file = suiteFile('fidelity', `  - name: a-b
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
${flow}`);

  it('fractional rates get a longer timeUnit, bare-number durations get units, exec names stay unique, timeouts are carried', () => {
    const suite = loadSuite(file, 'quick', { env: envAsPlaceholders });
    const { script, notExported } = exportK6(suite);
    const o = extractOptions(script) as { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, unknown> };
    expect(o.scenarios['a-b']).toMatchObject({ rate: 5, timeUnit: '2000ms', duration: '30s', exec: 'flow_a_b' });
    expect(o.scenarios.a_b).toMatchObject({ startRate: 2, timeUnit: '4000ms', stages: [{ target: 5, duration: '10s' }], exec: 'flow_a_b_2', startTime: '34000ms' });
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
    const res = await runCli(['k6', 'export', file, '--profile', 'quick', '--out', path.join(dir, 'fidelity.k6.ts')], { API_TOKEN: 's3cr3t-value' });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('the script reads __ENV.API_TOKEN: run it with -e API_TOKEN=…');
    expect(res.stderr).toMatch(/not as in rampart: late_requests thresholds/);
    const script = (await import('node:fs')).readFileSync(path.join(dir, 'fidelity.k6.ts'), 'utf8');
    expect(script).not.toContain('s3cr3t-value');
    expect(script).toContain('Bearer {{env.API_TOKEN}}');
    expect(script).toContain('env: __ENV');
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2020', module: 'ES2020', moduleResolution: 'node', strict: true, noEmit: true, lib: ['ES2020'], types: ['k6'], typeRoots: [repoPath('node_modules', '@types')], skipLibCheck: true },
      files: ['fidelity.k6.ts'],
    }));
    let out = '';
    try {
      execFileSync(process.execPath, [repoPath('node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (err) {
      out = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(out).toBe('');
  }, 120_000);
});
