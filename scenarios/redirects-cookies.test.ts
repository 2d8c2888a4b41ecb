import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from './engine.ts';
import type { ResponseInfo } from './flow/iteration.ts';
import { parseScenario, type ScenarioInput } from './schema/scenario.ts';
import { exportK6 } from './k6/export.ts';
import { runK6StandIn } from './k6/testing/k6-stand-in.ts';
import { listenOnLoopback } from './testing/local-servers.ts';

/**
 * A node:http server on loopback: /login sets a fresh sid cookie and redirects to /home; /whoami answers the
 * cookie it got; /loop redirects to itself; POST /form answers 303 to /done; /away redirects to another origin.
 */
async function server() {
  const seen: Array<{ method: string; path: string; cookie: string; body: string }> = [];
  let sids = 0;
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const cookie = req.headers.cookie ?? '';
      seen.push({ method: req.method ?? '', path: req.url ?? '', cookie, body });
      const json = (status: number, value: unknown, headers: Record<string, string | string[]> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
      switch (req.url) {
        case '/login':
          return json(
            302,
            {},
            { location: '/home', 'set-cookie': [`sid=s${++sids}; Path=/; HttpOnly`, 'theme=dark; Path=/elsewhere'] },
          );
        case '/home':
          return json(200, { home: true, cookie });
        case '/whoami':
          return json(200, { cookie });
        case '/loop':
          return json(302, {}, { location: '/loop' });
        case '/form':
          return json(303, {}, { location: '/done' });
        case '/moved':
          return json(302, {}, { location: '/done' });
        case '/away':
          return json(302, {}, { location: 'http://127.0.0.2:9/elsewhere' });
        default:
          return json(200, { path: req.url });
      }
    });
  });
  return {
    ...(await listenOnLoopback(srv)),
    seen,
  };
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const sessions = (extra: Partial<ScenarioInput> = {}) =>
  parseScenario({
    name: 'c',
    executor: 'per-vu-iterations',
    vus: 2,
    iterations: 2,
    thresholdWindows: [],
    flows: [
      {
        name: 'f',
        steps: [
          { name: 'whoami', path: '/whoami' },
          { name: 'login', path: '/login', expectStatus: [200] },
        ],
      },
    ],
    ...extra,
  } as ScenarioInput);

describe('redirects (maxRedirects, as k6: 10) and a cookie jar per VU', () => {
  it("follows a redirect as one request and keeps each VU's cookies across its iterations, sent only where their Path allows", async () => {
    await using srv = await server();
    const seen: ResponseInfo[] = [];
    const r = await runScenario(sessions(), { baseUrl: srv.url, onResponse: (i) => seen.push(i) });
    const logins = seen.filter((i) => i.tag === 'login');
    expect(logins.map((i) => [i.status, i.path, i.redirects])).toEqual(Array(4).fill([200, '/home', 1]));
    expect(r.summary.requests).toBe(8);
    expect(r.summary.errors).toBe(0);
    // The redirected request already carries the cookie its 302 set.
    const homes = srv.seen.filter((s) => s.path === '/home').map((s) => s.cookie);
    expect(homes.every((c) => /^sid=s\d+$/.test(c))).toBe(true);
    // Each VU's second whoami sends the sid its own first login got; a first whoami has none.
    const whoami = srv.seen.filter((s) => s.path === '/whoami').map((s) => s.cookie);
    expect(whoami.filter((c) => c === '')).toHaveLength(2);
    const later = whoami.filter((c) => c !== '');
    expect(later).toHaveLength(2);
    expect(new Set(later).size).toBe(2);
    expect(later.every((c) => /^sid=s[12]$/.test(c))).toBe(true);
  });

  it('cookies: none keeps none; maxRedirects bounds a loop; 303 goes on as GET without the body; another origin is not followed', async () => {
    await using srv = await server();
    await runScenario(sessions({ cookies: 'none' }), { baseUrl: srv.url });
    expect(srv.seen.filter((s) => s.path === '/whoami' || s.path === '/home').every((s) => s.cookie === '')).toBe(true);
    srv.seen.length = 0;
    const seen: ResponseInfo[] = [];
    const r = await runScenario(
      parseScenario({
        name: 'r',
        executor: 'per-vu-iterations',
        thresholdWindows: [],
        maxRedirects: 3,
        flows: [
          {
            name: 'f',
            steps: [
              { name: 'loop', path: '/loop', expectStatus: [302] },
              { name: 'form', method: 'POST', path: '/form', body: { a: 1 } },
              { name: 'put', method: 'PUT', path: '/moved', body: { a: 2 } },
              { name: 'delete', method: 'DELETE', path: '/moved' },
              { name: 'away', path: '/away', expectStatus: [302] },
            ],
          },
        ],
      }),
      { baseUrl: srv.url, onResponse: (i) => seen.push(i) },
    );
    // A PUT or DELETE answered 302 goes on as a GET without its body, as Go's client (k6) does: the write is not sent twice.
    expect(srv.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'GET /loop',
      'GET /loop',
      'GET /loop',
      'GET /loop',
      'POST /form',
      'GET /done',
      'PUT /moved',
      'GET /done',
      'DELETE /moved',
      'GET /done',
      'GET /away',
    ]);
    expect(srv.seen.filter((s) => s.path === '/done').map((s) => s.body)).toEqual(['', '', '']);
    expect(seen.map((i) => [i.tag, i.status, i.redirects ?? 0])).toEqual([
      ['loop', 302, 3],
      ['form', 200, 1],
      ['put', 200, 1],
      ['delete', 200, 1],
      ['away', 302, 0],
    ]);
    expect(r.summary.errors).toBe(0);
    srv.seen.length = 0;
    await runScenario(
      parseScenario({
        name: 'z',
        executor: 'per-vu-iterations',
        maxRedirects: 0,
        thresholdWindows: [],
        flows: [{ name: 'f', steps: [{ path: '/loop' }] }],
      }),
      { baseUrl: srv.url },
    );
    expect(srv.seen).toHaveLength(1);
  });

  it("the k6 export keeps k6's jar per VU and its redirects: the exported script's second whoami sends the cookie (k6 stand-in)", async () => {
    await using srv = await server();
    const k6 = exportK6({
      name: 'c',
      description: 'cookies',
      profile: 'quick',
      stack: { targetEnv: {} },
      scenarios: [sessions({ vus: 1 })],
    });
    expect(k6.notExported.join('\n')).toMatch(/redirects \(c\): k6 writes each hop as its own request/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-cookies-'));
    dirs.push(dir);
    await runK6StandIn(k6.script, { baseUrl: srv.url.origin, out: path.join(dir, 'k6.json'), maxIterations: 2 });
    expect(srv.seen.map((s) => `${s.path} ${s.cookie}`)).toEqual([
      '/whoami ',
      '/login ',
      '/home sid=s1',
      '/whoami sid=s1',
      '/login sid=s1',
      '/home sid=s2',
    ]);
  });
});
