import { setTimeout as sleep } from 'node:timers/promises';
import net, { type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { errorKind } from '../flow/run-step.ts';
import { perVuTransport } from './transport.ts';
import {
  transport,
  call,
  ok,
  fails,
  waitFor,
  httpServer,
  rawServer,
  pathOf,
  okBytes,
  echoPathServer,
  useLeanFixtures,
  type Outcome,
} from './lean-connection.fixtures.ts';

/** The lean connection's life: the server closing it, the server's Keep-Alive hint, order, close() and recovery. */
useLeanFixtures();

describe('lean connection: the server closing the connection', () => {
  it('after a Connection: close response, sends the next request on a new connection (node:http server)', async () => {
    const srv = await httpServer((req, res) => {
      if (req.url === '/bye') res.setHeader('connection', 'close');
      res.end(req.url);
    });
    const t = await transport(srv.origin);
    expect((await ok(t.senderFor(1), { path: '/bye' })).text).toBe('/bye');
    expect((await ok(t.senderFor(1), { path: '/again' })).text).toBe('/again');
    expect(srv.connections).toBe(2);
  });

  it('does not reuse a connection whose response said Connection: close even when the server leaves it open', async () => {
    const srv = await rawServer((socket, head) => {
      socket.write(okBytes(String(pathOf(head)), pathOf(head) === '/bye' ? 'connection: close\r\n' : ''));
    });
    const t = await transport(srv.origin, 2_000);
    expect((await ok(t.senderFor(1), { path: '/bye' })).text).toBe('/bye');
    expect((await ok(t.senderFor(1), { path: '/again' })).text).toBe('/again');
    expect(srv.connections).toBe(2);
    expect(srv.requests.map((r) => r.conn)).toEqual([0, 1]);
  });

  it('does not reuse a connection after a request that said Connection: close, even when the response does not say close', async () => {
    // A server may close without echoing the header (RFC 9112 9.6): it reads nothing more and ends the connection a little later.
    const closing = new WeakSet<net.Socket>();
    const srv = await rawServer((socket, head) => {
      if (closing.has(socket)) return;
      socket.write(okBytes(`answer ${pathOf(head)}`));
      if (/\r\nconnection: close\r?$/im.test(head)) {
        closing.add(socket);
        setTimeout(() => socket.end(), 100);
      }
    });
    const t = await transport(srv.origin, 2_000);
    const vu = t.senderFor(1);
    expect((await ok(vu, { path: '/bye', headers: { connection: 'close' } })).text).toBe('answer /bye');
    expect((await ok(vu, { path: '/again' })).text).toBe('answer /again');
    expect(srv.requests.map((r) => [pathOf(r.head), r.conn])).toEqual([
      ['/bye', 0],
      ['/again', 1],
    ]);
  });

  it("a request sent once the server closed the idle connection, before the socket's close event, goes on a new connection", async () => {
    const srv = await rawServer((socket, head) => {
      socket.write(okBytes(`answer ${pathOf(head)}`));
      if (pathOf(head) === '/1') setTimeout(() => socket.end(), 50);
    });
    const t = await transport(srv.origin, 2_000);
    const vu = t.senderFor(1);
    expect((await ok(vu, { path: '/1' })).text).toBe('answer /1');
    // The window between the server's FIN ('end': the socket is destroyed) and its 'close' event, one turn of the
    // loop later, in which a VU resuming from setImmediate can send.
    const socket = (vu as unknown as { socket: net.Socket }).socket;
    const out = await new Promise<Outcome>((resolve) => socket.once('end', () => resolve(call(vu, { path: '/2' }))));
    expect(out.err).toBeNull();
    expect(out.res?.text).toBe('answer /2');
    expect(srv.requests.map((r) => [pathOf(r.head), r.conn])).toEqual([
      ['/1', 0],
      ['/2', 1],
    ]);
  });

  it('opens a new connection after the server closed the idle keep-alive one', async () => {
    const srv = await echoPathServer();
    srv.server.keepAliveTimeout = 100;
    const t = await transport(srv.origin);
    expect((await ok(t.senderFor(1), { path: '/1' })).text).toBe('/1');
    expect(t.connections()).toBe(1);
    await waitFor('the server to close the idle connection', () => srv.open === 0, 5_000);
    await waitFor('the client to see the close', () => t.connections() === 0);
    expect((await ok(t.senderFor(1), { path: '/2' })).text).toBe('/2');
    expect(srv.connections).toBe(2);
  });
});

describe("lean connection: the server's Keep-Alive hint", () => {
  it('does not reuse a connection idle for nearly as long as the server keeps it (Keep-Alive: timeout=N)', async () => {
    const srv = await echoPathServer();
    // Node announces "Keep-Alive: timeout=2": reuse allowed for 1.5 s of idleness, the server closes at 2 s.
    srv.server.keepAliveTimeout = 2_000;
    const t = await transport(srv.origin);
    expect((await ok(t.senderFor(1), { path: '/1' })).text).toBe('/1');
    await sleep(100);
    expect((await ok(t.senderFor(1), { path: '/2' })).text).toBe('/2');
    expect(srv.connections).toBe(1);
    // Idle 1.7 s: the server has not closed it yet, but a request now could cross its close; a new connection.
    await sleep(1_700);
    expect(srv.open).toBe(1);
    expect((await ok(t.senderFor(1), { path: '/3' })).text).toBe('/3');
    expect(srv.connections).toBe(2);
  });
});

describe('lean connection: order and lifecycle', () => {
  it('sends requests queued on one VU in order, one at a time, and answers each', async () => {
    let outstanding = 0;
    let maxOutstanding = 0;
    const srv = await rawServer(async (socket, head) => {
      outstanding += 1;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      await sleep(20);
      outstanding -= 1;
      socket.write(okBytes(`answer ${pathOf(head)}`));
    });
    const t = await transport(srv.origin);
    const vu = t.senderFor(1);
    // Queued while the connection opens, then queued behind a request in flight on the open connection.
    const first = ['/0', '/1', '/2'];
    const second = ['/3', '/4', '/5', '/6'];
    const outs = await Promise.all(first.map((path) => call(vu, { path })));
    const inFlight = call(vu, { path: '/3' });
    await waitFor('/3 to reach the server', () => srv.requests.length === 4);
    outs.push(await inFlight, ...(await Promise.all(second.slice(1).map((path) => call(vu, { path })))));
    const paths = [...first, ...second];
    expect(outs.map((o) => o.err)).toEqual(paths.map(() => null));
    expect(outs.map((o) => o.res?.text)).toEqual(paths.map((p) => `answer ${p}`));
    expect(srv.requests.map((r) => pathOf(r.head))).toEqual(paths);
    expect(maxOutstanding).toBe(1);
    expect(srv.connections).toBe(1);
  });

  it("a request sent from inside the previous one's done goes out in turn, on the same connection unless the last said Connection: close", async () => {
    const srv = await httpServer((req, res) => {
      if (req.url === '/3') res.setHeader('connection', 'close');
      res.end(req.url);
    });
    const t = await transport(srv.origin);
    const vu = t.senderFor(1);
    const texts: Array<string | null> = [];
    await new Promise<void>((resolve, reject) => {
      const next = (i: number) =>
        vu.send({ method: 'GET', path: `/${i}`, headers: {}, body: null }, true, (res, err) => {
          if (err) return reject(err);
          texts.push(res?.text ?? null);
          if (i < 6) next(i + 1);
          else resolve();
        });
      next(0);
    });
    expect(texts).toEqual(['/0', '/1', '/2', '/3', '/4', '/5', '/6']);
    expect(srv.connections).toBe(2);
  });

  it("a request sent from inside a refused one's done is tried again, and each ends once", async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const t = await transport(`http://127.0.0.1:${port}`);
    const vu = t.senderFor(1);
    const kinds: string[] = [];
    await new Promise<void>((resolve) => {
      const next = (i: number) =>
        vu.send({ method: 'GET', path: '/', headers: {}, body: null }, true, (_res, err) => {
          kinds.push(errorKind(err));
          if (i < 3) next(i + 1);
          else setTimeout(resolve, 50);
        });
      next(0);
    });
    expect(kinds).toEqual(['refused', 'refused', 'refused', 'refused']);
  });

  it('close() ends the request in flight and the ones queued behind it at once; a send after close fails at once', async () => {
    const srv = await rawServer(() => undefined);
    const t = await perVuTransport({ origin: srv.origin, timeoutMs: 30_000 });
    const vu = t.senderFor(1);
    const inFlight = call(vu, { path: '/slow' });
    const queued = call(vu, { path: '/queued' });
    const other = call(t.senderFor(2), { path: '/other' });
    await waitFor("the server to get both VUs' first requests", () => srv.requests.length === 2);
    const t0 = performance.now();
    await t.close();
    for (const out of await Promise.all([inFlight, queued, other])) {
      expect(out.res).toBeNull();
      expect(out.err?.code).toBe('UND_ERR_DESTROYED');
    }
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(srv.requests.map((r) => pathOf(r.head)).sort()).toEqual(['/other', '/slow']);

    const late = await call(t.senderFor(3), { path: '/late' }, true, 1_000);
    expect(late.err?.code).toBe('UND_ERR_DESTROYED');
    const held = await call(vu, { path: '/held' }, true, 1_000);
    expect(held.err?.code).toBe('UND_ERR_DESTROYED');
    expect(late.ms + held.ms).toBeLessThan(500);
    expect(t.connections()).toBe(0);
    await sleep(30);
    expect(srv.requests).toHaveLength(2);
  });

  it('close() ends a request still waiting for its connection to open', async () => {
    const srv = await echoPathServer();
    const t = await perVuTransport({ origin: srv.origin, timeoutMs: 30_000 });
    const pending = call(t.senderFor(1), { path: '/x' });
    await t.close();
    const out = await pending;
    expect(out.err?.code).toBe('UND_ERR_DESTROYED');
  });

  it('after a timeout, the next request on the same VU goes on a fresh connection and is answered', async () => {
    const srv = await rawServer((socket, head) => {
      if (pathOf(head) !== '/silent') socket.write(okBytes(`answer ${pathOf(head)}`));
    });
    const t = await transport(srv.origin, 300);
    const vu = t.senderFor(1);
    const first = await fails(vu, { path: '/silent' });
    expect(errorKind(first.err)).toBe('timeout');
    const res = await ok(vu, { path: '/after' });
    expect(res.text).toBe('answer /after');
    expect(srv.connections).toBe(2);
    expect(srv.requests.map((r) => [pathOf(r.head), r.conn])).toEqual([
      ['/silent', 0],
      ['/after', 1],
    ]);
    // Past the request timeout again: the answered request is not timed out later by a stale deadline.
    await sleep(400);
    expect((await ok(vu, { path: '/later' })).text).toBe('answer /later');
    expect(srv.connections).toBe(2);
  });
});
