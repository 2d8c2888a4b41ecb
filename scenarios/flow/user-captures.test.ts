import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../index.ts';

/**
 * A token server with rotation: /login gives token t0 and refresh r0, /refresh
 * accepts only the user's current refresh token (a spent one is refused, as
 * SocialConnect's reuse detection does), /use accepts only the current token.
 */
async function tokenServer() {
  const current = new Map<string, { token: string; refresh: string; n: number }>();
  const loggedOut: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const user = url.searchParams.get('u') ?? '';
    const s = current.get(user);
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/login') {
      current.set(user, { token: `${user}-t0`, refresh: `${user}-r0`, n: 0 });
      send(200, { accessToken: `${user}-t0`, refreshToken: `${user}-r0` });
    } else if (url.pathname === '/refresh') {
      if (!s || req.headers['x-refresh'] !== s.refresh) return send(401, { error: 'refresh token spent or unknown' });
      s.n += 1;
      s.token = `${user}-t${s.n}`;
      s.refresh = `${user}-r${s.n}`;
      send(200, { accessToken: s.token, refreshToken: s.refresh });
    } else if (url.pathname === '/logout') {
      // Only with the user's current token and refresh token: a logout with spent ones is refused.
      if (!s || req.headers.authorization !== `Bearer ${s.token}` || req.headers['x-refresh'] !== s.refresh)
        return send(401, {});
      current.delete(user);
      loggedOut.push(user);
      res.writeHead(204).end();
    } else if (url.pathname === '/use') {
      send(s && req.headers.authorization === `Bearer ${s.token}` ? 200 : 401, {});
    } else send(404, {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    current,
    loggedOut,
    [Symbol.asyncDispose]: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const login = {
  name: 'login',
  method: 'POST' as const,
  path: '/login?u=u{{i}}',
  captures: { accessToken: { json: 'accessToken' }, refreshToken: { json: 'refreshToken' } },
};
const refreshThenUse = [
  {
    name: 'refresh-then-use',
    steps: [
      {
        name: 'refresh',
        method: 'POST' as const,
        path: '/refresh?u=u{{user.index}}',
        headers: { 'x-refresh': '{{user.refreshToken}}' },
        captures: { 'user.accessToken': { json: 'accessToken' }, 'user.refreshToken': { json: 'refreshToken' } },
      },
      { name: 'use', path: '/use?u=u{{user.index}}', headers: { authorization: 'Bearer {{user.accessToken}}' } },
    ],
  },
];

describe('a teardown phase (k6 teardown())', () => {
  it("ends every setup user's session with the tokens the load left it, outside the measured load", async () => {
    await using srv = await tokenServer();
    const s = parseScenario({
      name: 'sessions',
      executor: 'per-vu-iterations',
      vus: 3,
      iterations: 2,
      setup: { users: { count: 3, concurrency: 2, steps: [login] } },
      flows: refreshThenUse,
      teardown: {
        users: {
          concurrency: 2,
          steps: [
            {
              name: 'logout',
              method: 'POST',
              path: '/logout?u=u{{user.index}}',
              headers: { authorization: 'Bearer {{user.accessToken}}', 'x-refresh': '{{user.refreshToken}}' },
              expectStatus: [204],
            },
          ],
        },
      },
    });
    const r = await runScenario(s, { baseUrl: new URL(srv.url) });
    // Each user logged out with its twice-rotated tokens (the login's would be refused), and only once.
    expect([...srv.loggedOut].sort()).toEqual(['u0', 'u1', 'u2']);
    expect(srv.current.size).toBe(0);
    // The measured load is the flows' 12 requests; the logouts are not in it.
    expect(r.summary.requests).toBe(12);
    expect(r.summary.errors).toBe(0);
    const ended = (r.part.events ?? []).find((e) => e.id === 'sessions:teardown' && e.type === 'phase.ended');
    expect(ended?.detail).toEqual({ users: 3, failed: 0 });
    expect((r.part.notes ?? []).join('\n')).not.toContain('teardown failed');
  });

  it('names a teardown that fails in the notes and leaves the measurement alone', async () => {
    await using srv = await tokenServer();
    const s = parseScenario({
      name: 'sessions',
      executor: 'per-vu-iterations',
      vus: 2,
      iterations: 1,
      setup: { users: { count: 2, concurrency: 2, steps: [login] } },
      flows: refreshThenUse,
      // The login's refresh token was spent by the load: this logout is refused.
      teardown: {
        users: {
          steps: [
            {
              name: 'stale logout',
              method: 'POST',
              path: '/logout?u=u{{user.index}}',
              headers: { authorization: 'Bearer {{user.accessToken}}', 'x-refresh': '{{user.index}}-stale' },
              expectStatus: [204],
            },
          ],
        },
      },
    });
    const r = await runScenario(s, { baseUrl: new URL(srv.url) });
    expect(srv.loggedOut).toEqual([]);
    expect(r.summary.errors).toBe(0);
    expect((r.part.notes ?? []).join('\n')).toMatch(
      /sessions: teardown failed for 2 of 2 users \(first: user \d at stale logout: status 401\)/,
    );
  });
});

describe('a capture named user.<field>', () => {
  it("keeps a rotated token on the VU's user, so its later iterations send the new one", async () => {
    await using srv = await tokenServer();
    const s = parseScenario({
      name: 'session',
      executor: 'per-vu-iterations',
      vus: 2,
      iterations: 4,
      setup: {
        users: {
          count: 2,
          concurrency: 2,
          steps: [
            {
              name: 'login',
              method: 'POST',
              path: '/login?u=u{{i}}',
              captures: { accessToken: { json: 'accessToken' }, refreshToken: { json: 'refreshToken' } },
            },
          ],
        },
      },
      flows: [
        {
          name: 'refresh-then-use',
          steps: [
            {
              name: 'refresh',
              method: 'POST',
              path: '/refresh?u=u{{user.index}}',
              headers: { 'x-refresh': '{{user.refreshToken}}' },
              captures: { 'user.accessToken': { json: 'accessToken' }, 'user.refreshToken': { json: 'refreshToken' } },
            },
            { name: 'use', path: '/use?u=u{{user.index}}', headers: { authorization: 'Bearer {{user.accessToken}}' } },
          ],
        },
      ],
    });
    const r = await runScenario(s, { baseUrl: new URL(srv.url) });
    // With the capture left in the iteration's context, the second iteration would present the spent r0 (401).
    expect(r.summary.errors).toBe(0);
    expect(r.summary.requests).toBe(16);
    expect(srv.current.get('u0')?.n).toBe(4);
    expect(srv.current.get('u1')?.n).toBe(4);
  });
});
