import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDuration, repoPath } from '../../common/index.ts';
import { listSuites, loadSuite } from '../suites.ts';
import { exportK6Script, extractOptions } from './export.ts';
import { execName } from './options.ts';

// No k6 binary can exist here: the scripts are type-checked against @types/k6 with tsc instead.
const cacheDir = repoPath('node_modules', '.cache');
mkdirSync(cacheDir, { recursive: true });
const dir = mkdtempSync(path.join(cacheDir, 'rampart-k6-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rampart k6 export', () => {
  it('writes every suite as a k6 TypeScript script that type-checks against @types/k6', () => {
    const files: string[] = [];
    for (const name of listSuites()) {
      const file = path.join(dir, `${name}.k6.ts`);
      writeFileSync(file, exportK6Script(loadSuite(name, 'full')));
      files.push(path.basename(file));
    }
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
        files,
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

  it('carries the suite’s executors, stages and thresholds into options', () => {
    const suite = loadSuite('spike', 'quick');
    const options = extractOptions(exportK6Script(suite)) as {
      scenarios: Record<string, Record<string, unknown>>;
      thresholds: Record<string, unknown>;
    };
    const s = suite.scenarios[0]!;
    expect(s.executor).toBe('ramping-arrival-rate');
    expect(options.scenarios.spike).toMatchObject({
      executor: 'ramping-arrival-rate',
      exec: execName('spike'),
      startRate: 15,
      timeUnit: '1s',
      stages:
        s.executor === 'ramping-arrival-rate'
          ? s.stages.map((st) => ({ target: st.target, duration: st.duration }))
          : [],
    });
    expect(options.thresholds).toEqual(
      Object.fromEntries(
        Object.entries(s.thresholds).map(([k, v]) => [k.includes('{') ? k : `${k}{scenario:spike}`, v]),
      ),
    );

    const load = loadSuite('load', 'full');
    const lo = extractOptions(exportK6Script(load)) as {
      scenarios: Record<string, Record<string, unknown>>;
      thresholds: Record<string, unknown>;
      setupTimeout: string;
    };
    expect(lo.scenarios.load).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 100,
      duration: '5m',
      preAllocatedVUs: 50,
      maxVUs: 400,
    });
    // Every threshold scoped to its scenario, name filters too: k6 judges test-wide, setup() requests included.
    expect(lo.thresholds).toEqual({
      'http_req_duration{scenario:load}': [{ threshold: 'p(95)<200' }],
      'http_req_failed{scenario:load}': ['rate<0.001'],
      'checks{scenario:load}': ['rate>0.999'],
      'http_req_duration{scenario:login-storm,name:POST /v1/auth/login}': ['p(95)<1000'],
      'http_req_duration{scenario:login-storm,name:GET /v1/feed}': ['p(95)<200'],
      'http_req_duration{scenario:login-storm,name:POST /v1/auth/refresh}': ['p(95)<200'],
      'http_req_duration{scenario:login-storm,name:POST /v1/auth/logout}': ['p(95)<200'],
      'http_req_failed{scenario:login-storm}': ['rate<0.001'],
    });
    // One after the other, as rampart runs them: login-storm starts when load's 5 min and one request timeout are over.
    expect(lo.scenarios.load?.startTime).toBeUndefined();
    const loadTimeout = parseDuration(load.scenarios[0]!.requestTimeout);
    expect(lo.scenarios['login-storm']).toMatchObject({
      startTime: `${300_000 + loadTimeout}ms`,
      gracefulStop: `${parseDuration(load.scenarios[1]!.requestTimeout)}ms`,
    });
    expect(parseDuration(lo.setupTimeout)).toBeGreaterThanOrEqual(60_000);
  });

  it('exports a closed-model suite with its VU stages and think time', () => {
    const script = exportK6Script(loadSuite('concurrency-10k', 'full'));
    const o = extractOptions(script) as { scenarios: Record<string, Record<string, unknown>> };
    expect(o.scenarios['concurrency-10k']).toMatchObject({ executor: 'ramping-vus', startVUs: 0 });
    expect((o.scenarios['concurrency-10k']!.stages as Array<{ target: number }>)[0]!.target).toBe(10000);
    expect(script).toContain('"type":"uniform","a":5,"b":15');
    expect(script).toContain(`export function ${execName('concurrency-10k')}(data: SetupData)`);
  });
});
