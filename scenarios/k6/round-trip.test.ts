import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../common/index.ts';
import { readRunRecord } from '../../reports/index.ts';
import { runCli } from '../../cli/testing.ts';
import { startTestTarget, type TestTarget } from '../../target/testing.ts';
import { runScenario } from '../engine.ts';
import { parseScenario } from '../schema/scenario.ts';
import { loadSuite, type Suite } from '../suites.ts';
import { exportK6 } from './export.ts';
import { runK6StandIn } from './testing/k6-stand-in.ts';

// Round trip: a suite exported as a k6 script, the script's own code run against the real SocialConnect
// target (PostgreSQL, Redis) by a k6 STAND-IN (no k6 binary can exist here: scenarios/k6/testing/), its
// `--out json` imported back with the suite's thresholds, and compared with rampart's own run of the suite.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rampart-k6-round-'));
let target: TestTarget;
beforeAll(async () => {
  target = await startTestTarget({ env: { RATE_LIMIT_PER_MINUTE: '1000000', RATE_LIMIT_ANON_PER_MINUTE: '1000000' } });
}, 60_000);
afterAll(async () => {
  await target?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** The suite with shorter durations, so both runs stay within seconds. */
function shortened(suite: Suite, load: Record<string, Record<string, unknown>>): Suite {
  return {
    ...suite,
    scenarios: suite.scenarios.map((s) => parseScenario({ ...s, ...(load[s.name] ?? {}) }, `test ${s.name}`)),
  };
}

async function roundTrip(suite: Suite, suiteFile: string, name: string) {
  const file = path.join(tmp, `${name}.k6.json`);
  const { script } = exportK6(suite);
  const run = await runK6StandIn(script, { baseUrl: target.url, out: file, maxIterations: 1000 });
  const res = await runCli([
    'k6',
    'import',
    file,
    '--suite',
    suiteFile,
    '--profile',
    suite.profile,
    '--out',
    path.join(tmp, name),
  ]);
  const record = await readRunRecord(path.join(tmp, name, 'run.json'));
  return { run, res, record };
}

describe("k6 round trip: export, run the script's code, import", () => {
  it("session refreshes rotate the user's token pair across a VU's iterations: every refresh succeeds under k6 as under rampart", async () => {
    // The load workload's session and its refresh (captures user.accessToken / user.refreshToken), refreshing
    // often: each of 4 VUs refreshes its user 20 times, each refresh spending the previous refresh token. Closed
    // model, a VU per user, in both runs: rampart's open model hands users to arrivals in turn, so two arrivals
    // in flight at once can refresh one user together (on a loaded machine a quarter of them then fail).
    const file = path.join(tmp, 'refresh.yaml');
    writeFileSync(
      file,
      `name: refresh
description: sessions that refresh their tokens
include: ${repoPath('scenarios', 'suites', '_workload.yaml')}
scenarios:
  - name: sessions
    executor: per-vu-iterations
    vus: 4
    iterations: 20
    setup: { users: { count: 4, concurrency: 4, steps: [
      { name: POST /v1/auth/register, method: POST, path: /v1/auth/register, body: { email: "rt-{{runId}}-{{i}}@example.test", password: "password123!", handle: "rt_{{runId}}_{{i}}" }, expectStatus: [201], captures: { email: { json: user.email } } },
      { name: POST /v1/auth/login, method: POST, path: /v1/auth/login, body: { email: "rt-{{runId}}-{{i}}@example.test", password: "password123!" }, expectStatus: [200], captures: { accessToken: { json: accessToken }, refreshToken: { json: refreshToken } } } ] } }
    flows:
      - name: session-refresh
        steps:
          - name: POST /v1/auth/refresh
            method: POST
            path: /v1/auth/refresh
            body: { refreshToken: "{{user.refreshToken}}" }
            captures: { user.accessToken: { json: accessToken }, user.refreshToken: { json: refreshToken } }
            checks: [{ type: status, equals: 200 }]
          - { name: GET /v1/users/me, path: /v1/users/me, headers: { authorization: "Bearer {{user.accessToken}}" }, checks: [{ type: status, equals: 200 }] }
    thresholds: { http_req_failed: ["rate<0.001"], checks: ["rate>0.999"] }
`,
    );
    const suite = loadSuite(file, 'quick');
    const k6 = await roundTrip(suite, file, 'refresh');
    expect(k6.run.scenarios).toEqual([{ name: 'sessions', vus: 4, iterations: 80 }]);
    expect(k6.res.code, `${k6.res.stdout}\n${k6.res.stderr}`).toBe(0);
    const sessions = k6.record.summaries.find((s) => s.scenario === 'sessions');
    expect(sessions).toMatchObject({ requests: 160, errors: 0, checks: { passed: 160, failed: 0 } });
    expect(k6.record.thresholds.map((t) => [t.metric, t.filter, t.outcome])).toEqual([
      ['http_req_failed', 'scenario:sessions', 'pass'],
      ['checks', 'scenario:sessions', 'pass'],
    ]);
    // setup()'s sign-ins are their own bucket, outside the scenario's thresholds.
    expect(k6.record.summaries.find((s) => s.scenario === 'setup()')?.requests).toBe(8);

    const own = await runScenario(suite.scenarios[0]!, { baseUrl: new URL(target.url) });
    // No threshold fails in rampart's run either (on a loaded machine its self-check may call the run invalid: inconclusive).
    expect(own.thresholds.filter((t) => t.outcome === 'fail')).toEqual([]);
    expect(own.summary.requests).toBe(160);
    expect(own.summary.errors).toBe(0);
    expect(own.summary.checks.failed).toBe(0);
    expect(Object.keys(own.summary.codes)).toEqual(Object.keys(sessions!.codes));
  }, 120_000);

  it("the exported load suite's code holds its own thresholds, as rampart's run of it does", async () => {
    const quick = loadSuite('load', 'quick');
    const users = (name: string, count: number) => {
      const setup = quick.scenarios.find((s) => s.name === name)!.setup!;
      return { setup: { users: { ...setup.users!, count } } };
    };
    // Shorter, and fewer users to sign in (each sign-in is a deliberately slow password hash). A k6 VU keeps its
    // own copy of its user, so a token one VU rotated (the 1 % refreshes) is stale in another VU given the same
    // user: as many users as VUs, or on a loaded machine, where more VUs come into play, a refresh fails.
    const suite = shortened(quick, {
      load: { rate: 40, duration: '5s', preAllocatedVUs: 20, maxVUs: 20, ...users('load', 20) },
      'login-storm': {
        stages: [
          { target: 4, duration: '2s' },
          { target: 4, duration: '3s' },
        ],
        ...users('login-storm', 5),
      },
    });
    const k6 = await roundTrip(suite, repoPath('scenarios', 'suites', 'load.yaml'), 'load');
    expect(k6.run.scenarios.map((s) => s.name)).toEqual(['load', 'login-storm']);
    expect(k6.res.code, `${k6.res.stdout}\n${k6.res.stderr}`).toBe(0);
    const judged = k6.record.thresholds.filter((t) => t.rampart !== undefined);
    expect(judged.length).toBe(8);
    expect(judged.every((t) => t.outcome === 'pass')).toBe(true);
    for (const s of suite.scenarios) {
      const own = await runScenario(s, { baseUrl: new URL(target.url) });
      expect(own.summary.errors, s.name).toBe(0);
      expect(own.summary.checks.failed, s.name).toBe(0);
      const theirs = k6.record.summaries.find((x) => x.scenario === s.name)!;
      expect(theirs.errors, s.name).toBe(0);
      expect(theirs.checks.failed, s.name).toBe(0);
    }
  }, 180_000);
});
