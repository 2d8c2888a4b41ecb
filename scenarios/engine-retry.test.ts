import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario, type ResponseInfo } from './index.ts';

/**
 * What a caller such as a failure drill needs from every response: headers,
 * why there was no response, and retries that re-send the same request.
 * Each test runs its own small HTTP server on loopback (real sockets).
 */
interface TestServer {
  url: string;
  server: http.Server;
  [Symbol.asyncDispose](): Promise<void>;
}

async function serve(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const readBody = (req: http.IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });

describe('engine responses and retries', () => {
  it('gives onResponse the response headers, and a retry re-sends the same Idempotency-Key and body until it succeeds', async () => {
    const seenByKey = new Map<string, string[]>();
    await using srv = await serve(async (req, res) => {
      const body = await readBody(req);
      const key = String(req.headers['idempotency-key']);
      const list = seenByKey.get(key) ?? [];
      list.push(body);
      seenByKey.set(key, list);
      if (req.url === '/flaky' && list.length < 3) {
        res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' });
        return res.end('{"error":"busy"}');
      }
      res.writeHead(req.url === '/flaky' ? 201 : 503, { 'retry-after': '7', 'content-type': 'application/json' });
      res.end('{"id":"x"}');
    });
    const s = parseScenario({
      name: 'retry',
      executor: 'per-vu-iterations',
      vus: 2,
      iterations: 2,
      thresholdWindows: [],
      flows: [
        {
          name: 'w',
          steps: [
            {
              name: 'flaky',
              method: 'POST',
              path: '/flaky',
              headers: { 'Idempotency-Key': '{{uuid}}' },
              body: { key: '{{uuid}}' },
              retry: { attempts: 3, on: [503], backoffMs: 10 },
            },
            { name: 'busy', method: 'POST', path: '/busy', headers: { 'Idempotency-Key': '{{uuid}}' }, body: {} },
          ],
        },
      ],
    });
    const seen: ResponseInfo[] = [];
    const r = await runScenario(s, { baseUrl: new URL(srv.url), onResponse: (i) => seen.push(i) });
    const flaky = seen.filter((i) => i.tag === 'flaky');
    expect(flaky).toHaveLength(4);
    expect(flaky.every((i) => i.status === 201 && i.ok && i.attempts === 3 && i.errorKind === null)).toBe(true);
    for (const i of flaky) {
      const sent = seenByKey.get(i.requestHeaders['idempotency-key']!)!;
      // Three attempts, byte-identical bodies: the same rendered request, not a re-render (a fresh {{uuid}}).
      expect(sent).toHaveLength(3);
      expect(new Set(sent).size).toBe(1);
    }
    // One logical request per retried step in the measurements.
    expect(r.summary.requests).toBe(8);
    const busy = seen.filter((i) => i.tag === 'busy');
    expect(busy.every((i) => i.status === 503 && i.attempts === 1 && i.headers['retry-after'] === '7')).toBe(true);
  });

  it('names a hung request a timeout, and retries it only when timeouts are listed', async () => {
    let hits = 0;
    await using srv = await serve(() => {
      hits += 1; // never answers
    });
    const scenario = (on: Array<number | 'network' | 'timeout'>) =>
      parseScenario({
        name: 'hang',
        executor: 'per-vu-iterations',
        vus: 1,
        iterations: 1,
        requestTimeout: '300ms',
        thresholdWindows: [],
        flows: [{ name: 'g', steps: [{ path: '/', retry: { attempts: 2, on } }] }],
      });
    const seen: ResponseInfo[] = [];
    await runScenario(scenario(['network', 503]), { baseUrl: new URL(srv.url), onResponse: (i) => seen.push(i) });
    expect(seen.map((i) => [i.status, i.errorKind, i.attempts])).toEqual([[null, 'timeout', 1]]);
    expect(hits).toBe(1);
    seen.length = 0;
    await runScenario(scenario(['timeout']), { baseUrl: new URL(srv.url), onResponse: (i) => seen.push(i) });
    expect(seen.map((i) => [i.status, i.errorKind, i.attempts])).toEqual([[null, 'timeout', 2]]);
    expect(hits).toBe(3);
  });

  it('names a dropped connection a reset and a closed port refused, and retries them as network failures', async () => {
    let resets = 0;
    await using srv = await serve((req, res) => {
      if (req.url === '/reset') {
        resets += 1;
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const s = parseScenario({
      name: 'net',
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 1,
      requestTimeout: '3s',
      thresholdWindows: [],
      flows: [
        {
          name: 'n',
          steps: [
            { name: 'reset', path: '/reset', retry: { attempts: 2, on: ['network'] } },
            { name: 'ok', path: '/ok' },
            { name: 'gone', path: '/gone', retry: { attempts: 3, on: ['network'], backoffMs: 20 } },
          ],
        },
      ],
    });
    const seen: ResponseInfo[] = [];
    await runScenario(s, {
      baseUrl: new URL(srv.url),
      onResponse: (i) => {
        seen.push(i);
        // After the second step the server goes away: the port refuses connections.
        if (i.tag === 'ok') {
          srv.server.close();
          srv.server.closeAllConnections();
        }
      },
    });
    const byTag = Object.fromEntries(seen.map((i) => [i.tag, i]));
    expect(byTag.reset).toMatchObject({ status: null, errorKind: 'reset', attempts: 2 });
    expect(resets).toBe(2);
    expect(byTag.ok).toMatchObject({ status: 200, errorKind: null });
    expect(byTag.gone).toMatchObject({ status: null, errorKind: 'refused', attempts: 3 });
  });

  it('a stop signal lets requests in flight finish; prepared users fill {{user.x}} in turn; dropped arrivals are reported', async () => {
    const users = new Map<string, number>();
    await using srv = await serve((req, res) => {
      const u = String(req.headers['x-user']);
      users.set(u, (users.get(u) ?? 0) + 1);
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }, 300);
    });
    const s = parseScenario({
      name: 'stopped',
      executor: 'constant-arrival-rate',
      rate: 20,
      duration: '30s',
      maxVUs: 3,
      maxLateness: '100ms',
      thresholdWindows: [],
      flows: [{ name: 'g', steps: [{ path: '/', headers: { 'x-user': '{{user.name}}' } }] }],
    });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 1500);
    const seen: ResponseInfo[] = [];
    const dropped: number[] = [];
    const t0 = Date.now();
    const r = await runScenario(s, {
      baseUrl: new URL(srv.url),
      stop: stop.signal,
      users: [{ name: 'ann' }, { name: 'bob' }],
      onResponse: (i) => seen.push(i),
      onDropped: (ts) => dropped.push(ts),
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.aborted).toBe(false);
    // Every request started was answered: none was cut off by the stop.
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every((i) => i.status === 200)).toBe(true);
    // Open model: arrivals take the users in turn (VU slots are reused, so a user per slot would not spread the load).
    expect([...users.keys()].sort()).toEqual(['ann', 'bob']);
    expect(Math.abs(users.get('ann')! - users.get('bob')!)).toBeLessThanOrEqual(1);
    // 3 slots of 300 ms at 20/s: arrivals wait past 100 ms and are dropped, each one reported.
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.length).toBe(r.summary.dropped);
    expect(dropped.every((ts) => ts > t0 - 1000 && ts < Date.now())).toBe(true);
  });
});
