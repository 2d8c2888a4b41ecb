import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from './engine.ts';
import type { ResponseInfo } from './flow/iteration.ts';
import { parseScenario } from './schema/scenario.ts';
import { exportK6, extractOptions } from './k6/export.ts';
import { runK6StandIn } from './k6/testing/k6-stand-in.ts';
import { listenOnLoopback } from './testing/local-servers.ts';

/** A node:http server on loopback: /slow/* answers after 300 ms, the rest at once. */
async function server() {
  const paths: string[] = [];
  const srv = createServer((req, res) => {
    paths.push(req.url ?? '');
    req.resume();
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    if (req.url?.startsWith('/slow/')) setTimeout(answer, 300);
    else answer();
  });
  return {
    ...(await listenOnLoopback(srv)),
    paths,
  };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const grouped = () =>
  parseScenario({
    name: 'g',
    executor: 'per-vu-iterations',
    iterations: 2,
    thresholdWindows: [],
    flows: [
      {
        name: 'f',
        steps: [
          { name: 'home', path: '/a' },
          {
            group: 'checkout',
            steps: [
              { name: 'cart', path: '/slow/1' },
              { group: 'pay', steps: [{ name: 'pay', path: '/slow/2' }] },
            ],
          },
          { name: 'done', path: '/b' },
        ],
      },
    ],
    thresholds: {
      'group_duration{group:::checkout}': ['p(95)>=550', 'max<5000'],
      'group_duration{group:::checkout::pay}': ['min>=250', 'max<550'],
      'http_reqs{group:::checkout}': ['count==2'],
      'http_req_duration{group:::checkout::pay}': ['p(95)>=250'],
      'group_duration{group:::nope}': ['max<1'],
      // k6 tags every metric's points with their scenario: a {scenario:x} filter finds group durations and timings too.
      'group_duration{scenario:g}': ['max<5000'],
      'http_req_waiting{scenario:g}': ['max<5000'],
      // Several pairs: the group's requests in this scenario; in another scenario, none.
      'http_reqs{scenario:g,group:::checkout}': ['count==2'],
      'group_duration{scenario:g,group:::checkout::pay}': ['max<550'],
      'http_reqs{scenario:other,group:::checkout}': ['count==2'],
    },
  });

describe("groups (k6's group())", () => {
  it('tag their requests with the group path and time each pass through a group (group_duration), nested groups apart; thresholds on both are judged', async () => {
    await using srv = await server();
    const seen: ResponseInfo[] = [];
    const r = await runScenario(grouped(), { baseUrl: srv.url, onResponse: (i) => seen.push(i) });
    expect(srv.paths).toEqual(['/a', '/slow/1', '/slow/2', '/b', '/a', '/slow/1', '/slow/2', '/b']);
    expect(seen.map((i) => [i.tag, i.group ?? ''])).toEqual([
      ['home', ''],
      ['cart', '::checkout'],
      ['pay', '::checkout::pay'],
      ['done', ''],
      ['home', ''],
      ['cart', '::checkout'],
      ['pay', '::checkout::pay'],
      ['done', ''],
    ]);
    const by = (filter: string, expression: string) =>
      r.thresholds.find((t) => t.filter === filter && t.expression === expression);
    // A pass through checkout holds both slow requests (600 ms); one through pay holds one (300 ms).
    expect(by('group:::checkout', 'p(95)>=550')).toMatchObject({ metric: 'group_duration', outcome: 'pass' });
    expect(by('group:::checkout', 'max<5000')?.outcome).toBe('pass');
    expect(by('group:::checkout::pay', 'min>=250')?.outcome).toBe('pass');
    expect(by('group:::checkout::pay', 'max<550')?.outcome).toBe('pass');
    // Only the requests directly in ::checkout carry its tag (as in k6): the nested group's are ::checkout::pay.
    expect(by('group:::checkout', 'count==2')).toMatchObject({ metric: 'http_reqs', outcome: 'pass', value: 2 });
    expect(by('group:::checkout::pay', 'p(95)>=250')?.outcome).toBe('pass');
    expect(by('group:::nope', 'max<1')).toMatchObject({ outcome: 'inconclusive', value: null });
    expect(r.thresholds.find((t) => t.metric === 'group_duration' && t.filter === 'scenario:g')).toMatchObject({
      outcome: 'pass',
    });
    expect(r.thresholds.find((t) => t.metric === 'http_req_waiting' && t.filter === 'scenario:g')).toMatchObject({
      outcome: 'pass',
    });
    expect(by('group:::nope', 'max<1')?.reason).toMatch(/seen: .*group:::checkout/);
    expect(by('scenario:g,group:::checkout', 'count==2')).toMatchObject({ outcome: 'pass', value: 2 });
    expect(by('scenario:g,group:::checkout::pay', 'max<550')).toMatchObject({
      metric: 'group_duration',
      outcome: 'pass',
    });
    expect(by('scenario:other,group:::checkout', 'count==2')).toMatchObject({ outcome: 'inconclusive', value: null });
    expect(r.part.notes?.join('\n')).toMatch(/g: group_duration\{group:::checkout\}: count 2, p50 \d+/);
  });

  it('a group name with "::" is refused; the k6 export runs the steps inside group(), so k6 tags them and writes group_duration', async () => {
    expect(() =>
      parseScenario({
        name: 'g',
        executor: 'per-vu-iterations',
        flows: [{ name: 'f', steps: [{ group: 'a::b', steps: [{ path: '/' }] }] }],
      }),
    ).toThrow(/steps\[0\]\.group: a group name may not hold "::"/);
    await using srv = await server();
    const k6 = exportK6({
      name: 'g',
      description: 'groups',
      profile: 'quick',
      stack: { targetEnv: {} },
      scenarios: [grouped()],
    });
    expect(k6.script).toMatch(/group\(name, \(\) =>/);
    const o = extractOptions(k6.script) as { thresholds: Record<string, unknown> };
    expect(Object.keys(o.thresholds)).toContain('group_duration{scenario:g,group:::checkout}');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-group-'));
    dirs.push(dir);
    const out = path.join(dir, 'k6.json');
    await runK6StandIn(k6.script, { baseUrl: srv.url.origin, out, maxIterations: 1 });
    const points = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { metric: string; type: string; data: { value: number; tags?: Record<string, string> } },
      )
      .filter((l) => l.type === 'Point');
    expect(points.filter((p) => p.metric === 'http_reqs').map((p) => [p.data.tags?.name, p.data.tags?.group])).toEqual([
      ['home', ''],
      ['cart', '::checkout'],
      ['pay', '::checkout::pay'],
      ['done', ''],
    ]);
    const durations = points.filter((p) => p.metric === 'group_duration');
    expect(durations.map((p) => p.data.tags?.group)).toEqual(['::checkout::pay', '::checkout']);
    expect(durations[1]!.data.value).toBeGreaterThanOrEqual(550);
  });
});
