import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { errorKind } from '../flow/run-step.ts';
import type { RawRequest, RawResponse, Sender } from './dispatch.ts';
import { perVuTransport, type Transport } from './transport.ts';

/**
 * The lean keep-alive connection (lean-connection.ts) as the engine reaches it: perVuTransport for an http:
 * origin, one connection per VU. Each test runs real servers on loopback: node:http servers, and raw node:net
 * servers that write exact bytes (chunk boundaries, interim responses, malformed or cut-short responses).
 */

type CodedError = Error & { code?: string };
interface Outcome {
  res: RawResponse | null;
  err: CodedError | null;
  ms: number;
}

const cleanups: Array<() => Promise<void> | void> = [];
/** Calls whose `done` ran more than once (the Sender contract is exactly once). */
let extraDone = 0;

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  expect(extraDone).toBe(0);
  extraDone = 0;
});

async function transport(origin: string, timeoutMs = 5_000): Promise<Transport> {
  const t = await perVuTransport({ origin, timeoutMs });
  cleanups.push(() => t.close());
  return t;
}

/** One request through a sender, as a promise; a call that never ends fails the test after `boundMs` instead of hanging it. */
function call(sender: Sender, req: Partial<RawRequest> & { path: string }, readBody = true, boundMs = 5_000): Promise<Outcome> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    let calls = 0;
    const bound = setTimeout(() => reject(new Error(`${req.method ?? 'GET'} ${req.path} did not end within ${boundMs} ms`)), boundMs);
    sender.send({ method: 'GET', headers: {}, body: null, ...req }, readBody, (res, err) => {
      calls += 1;
      if (calls > 1) {
        extraDone += 1;
        return;
      }
      clearTimeout(bound);
      resolve({ res, err: err as CodedError | null, ms: performance.now() - t0 });
    });
  });
}

/** A call that must have been answered: its response. */
async function ok(sender: Sender, req: Partial<RawRequest> & { path: string }, readBody = true): Promise<RawResponse> {
  const out = await call(sender, req, readBody);
  expect(out.err).toBeNull();
  return out.res as RawResponse;
}

/** A call that must have failed: its error. */
async function fails(sender: Sender, req: Partial<RawRequest> & { path: string }, boundMs = 5_000): Promise<Outcome & { err: CodedError }> {
  const out = await call(sender, req, true, boundMs);
  expect(out.res).toBeNull();
  expect(out.err).toBeInstanceOf(Error);
  return out as Outcome & { err: CodedError };
}

async function waitFor(what: string, cond: () => boolean, boundMs = 3_000): Promise<void> {
  const until = performance.now() + boundMs;
  while (!cond()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

interface HttpServer {
  origin: string;
  server: http.Server;
  /** TCP connections the server accepted. */
  connections: number;
  /** Server-side sockets still open. */
  open: number;
}

async function httpServer(handler: http.RequestListener): Promise<HttpServer> {
  const server = http.createServer(handler);
  const out: HttpServer = { origin: '', server, connections: 0, open: 0 };
  server.on('connection', (socket: net.Socket) => {
    out.connections += 1;
    out.open += 1;
    socket.on('close', () => (out.open -= 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  out.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return out;
}

interface RawServer {
  origin: string;
  connections: number;
  /** Request heads received, in order, with the index (0-based) of the connection each came on. */
  requests: Array<{ head: string; conn: number }>;
}

/**
 * A server that writes exact bytes: `onRequest` gets each request head (requests without bodies) and the socket
 * it came on, and answers however it likes (or never).
 */
async function rawServer(onRequest: (socket: net.Socket, head: string, n: number) => void | Promise<void>): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const out: RawServer = { origin: '', connections: 0, requests: [] };
  const server = net.createServer((socket) => {
    const conn = out.connections;
    out.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        out.requests.push({ head, conn });
        void onRequest(socket, head, out.requests.length - 1);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  out.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return out;
}

const pathOf = (head: string) => head.split(' ')[1];
const okBytes = (body: string, extra = '') => `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

/** A server answering every request with `/path` as its body. */
const echoPathServer = () => httpServer((req, res) => res.end(req.url));

describe('lean connection: keep-alive', () => {
  it('sends a VU\'s sequential requests over one TCP connection, and gives two VUs two connections', async () => {
    const srv = await echoPathServer();
    const t = await transport(srv.origin);
    const vu1 = t.senderFor(1);
    for (let i = 0; i < 5; i += 1) {
      const res = await ok(vu1, { path: `/a${i}` });
      expect(res.status).toBe(200);
      expect(res.text).toBe(`/a${i}`);
    }
    expect(srv.connections).toBe(1);
    expect(t.connections()).toBe(1);
    expect((await ok(t.senderFor(2), { path: '/b' })).text).toBe('/b');
    expect((await ok(t.senderFor(1), { path: '/a5' })).text).toBe('/a5');
    expect(srv.connections).toBe(2);
    expect(t.connections()).toBe(2);
  });
});

describe('lean connection: request', () => {
  interface Seen {
    method: string;
    body: Buffer;
    headers: http.IncomingHttpHeaders;
    raw: string[];
  }
  async function recordingServer(): Promise<{ srv: HttpServer; seen: Seen[] }> {
    const seen: Seen[] = [];
    const srv = await httpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method as string, body: Buffer.concat(chunks), headers: req.headers, raw: req.rawHeaders });
        res.end('ok');
      });
    });
    return { srv, seen };
  }
  const count = (raw: string[], name: string) => raw.filter((v, i) => i % 2 === 0 && v.toLowerCase() === name).length;

  it('sends a multi-byte UTF-8 body byte for byte, with its length in bytes', async () => {
    const { srv, seen } = await recordingServer();
    const t = await transport(srv.origin);
    const body = JSON.stringify({ name: 'Zoë Ångström', city: '東京', mood: '😀', dash: '—' });
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
    await ok(t.senderFor(1), { method: 'POST', path: '/p', headers: { 'content-type': 'application/json' }, body });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(seen[0]?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(seen[0]?.headers['content-type']).toBe('application/json');
  });

  it('sends content-length: 0 for a POST without a body, and none for a GET', async () => {
    const { srv, seen } = await recordingServer();
    const t = await transport(srv.origin);
    await ok(t.senderFor(1), { method: 'POST', path: '/p' });
    await ok(t.senderFor(1), { method: 'GET', path: '/g' });
    expect(seen[0]?.headers['content-length']).toBe('0');
    expect(seen[0]?.body.length).toBe(0);
    expect(seen[1]?.headers['content-length']).toBeUndefined();
    expect(srv.connections).toBe(1);
  });

  it('sends user headers; a user host header replaces the default one; a user content-length is not duplicated', async () => {
    const { srv, seen } = await recordingServer();
    const t = await transport(srv.origin);
    const vu = t.senderFor(1);
    await ok(vu, { path: '/h', headers: { 'X-Trace-Id': 'abc-123', Authorization: 'Bearer t0k3n' } });
    expect(seen[0]?.headers['x-trace-id']).toBe('abc-123');
    expect(seen[0]?.headers.authorization).toBe('Bearer t0k3n');
    expect(seen[0]?.headers.host).toBe(new URL(srv.origin).host);
    expect(count(seen[0]?.raw ?? [], 'host')).toBe(1);

    await ok(vu, { path: '/h', headers: { Host: 'api.example.test:8443' } });
    expect(seen[1]?.headers.host).toBe('api.example.test:8443');
    expect(count(seen[1]?.raw ?? [], 'host')).toBe(1);

    await ok(vu, { method: 'PUT', path: '/h', headers: { 'Content-Length': '3' }, body: 'abc' });
    expect(count(seen[2]?.raw ?? [], 'content-length')).toBe(1);
    expect(seen[2]?.headers['content-length']).toBe('3');
    expect(seen[2]?.body.toString()).toBe('abc');
    expect(srv.connections).toBe(1);
  });
});

describe('lean connection: response bodies', () => {
  it('reads a content-length body and the response headers', async () => {
    const srv = await httpServer((_req, res) => {
      res.setHeader('x-answer', ['a', 'b']);
      res.end('hello there');
    });
    const t = await transport(srv.origin);
    const res = await ok(t.senderFor(1), { path: '/' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello there');
    expect(res.headers['content-length']).toBe('11');
    expect(res.headers['x-answer']).toEqual(['a', 'b']);
  });

  it('keeps a non-ASCII response header value byte for byte (latin1, as undici gives it)', async () => {
    const value = Buffer.from('attachment; filename="café 日本.txt"', 'utf8');
    const srv = await rawServer((socket) => {
      socket.write(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-disposition: '), value, Buffer.from('\r\n\r\nok')]));
    });
    const t = await transport(srv.origin);
    const res = await ok(t.senderFor(1), { path: '/' });
    const got = res.headers['content-disposition'] as string;
    expect(got).toBe(value.toString('latin1'));
    expect(Buffer.from(got, 'latin1').toString('utf8')).toBe('attachment; filename="café 日本.txt"');
    expect(res.text).toBe('ok');
  });

  it('parses a response written one byte at a time', async () => {
    const bytes = Buffer.from('HTTP/1.1 201 Created\r\nx-a: 1\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
    const srv = await rawServer(async (socket, head) => {
      if (pathOf(head) === '/next') return void socket.write(okBytes('next'));
      socket.setNoDelay(true);
      for (let i = 0; i < bytes.length; i += 1) {
        socket.write(bytes.subarray(i, i + 1));
        await sleep(1);
      }
    });
    const t = await transport(srv.origin);
    const res = await ok(t.senderFor(1), { path: '/slow' });
    expect(res.status).toBe(201);
    expect(res.headers['x-a']).toBe('1');
    expect(res.text).toBe('abcde');
    expect((await ok(t.senderFor(1), { path: '/next' })).text).toBe('next');
    expect(srv.connections).toBe(1);
  });

  it('reads a chunked body that arrives in several writes, then reuses the connection', async () => {
    const srv = await rawServer(async (socket, head) => {
      if (pathOf(head) === '/next') return void socket.write(okBytes('next'));
      const parts = ['HTTP/1.1 200 OK\r\ntransfer-enc', 'oding: chunked\r\n\r\n5\r\nhel', 'lo\r\n', '6\r\n wo', 'rld\r\n0\r\n', '\r\n'];
      for (const p of parts) {
        socket.write(p);
        await sleep(15);
      }
    });
    const t = await transport(srv.origin);
    const res = await ok(t.senderFor(1), { path: '/chunked' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello world');
    expect((await ok(t.senderFor(1), { path: '/next' })).text).toBe('next');
    expect(srv.connections).toBe(1);
  });

  it('reads a body delimited by the connection\'s end, and the next request goes on a new connection', async () => {
    const srv = await rawServer(async (socket, head) => {
      if (pathOf(head) === '/next') return void socket.write(okBytes('next'));
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nfirst part, ');
      await sleep(20);
      socket.write('second part');
      await sleep(20);
      socket.end();
    });
    const t = await transport(srv.origin);
    const res = await ok(t.senderFor(1), { path: '/eof' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('first part, second part');
    expect((await ok(t.senderFor(1), { path: '/next' })).text).toBe('next');
    expect(srv.connections).toBe(2);
  });

  it('decodes a large body whose multi-byte characters are split across TCP chunks', async () => {
    const body = 'é日😀a'.repeat(40_000); // 2+3+4+1 = 10 bytes a repeat: 400 KB
    const bytes = Buffer.from(body, 'utf8');
    expect(bytes.length).toBe(400_000);
    const srv = await rawServer(async (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${bytes.length}\r\n\r\n`);
      // Cuts inside a character (the first byte of é; the middle of 日; the middle of 😀), with pauses so that
      // the client's reads end there.
      let at = 0;
      for (const cut of [1, 4, 7, 123_457, 300_003]) {
        socket.write(bytes.subarray(at, cut));
        at = cut;
        await sleep(15);
      }
      socket.write(bytes.subarray(at));
    });
    const t = await transport(srv.origin);
    const res = await ok(t.senderFor(1), { path: '/big' });
    expect(res.text?.length).toBe(body.length);
    expect(res.text === body).toBe(true);
  });

  it('gives text null when the body is not asked for, and still reads it off the connection', async () => {
    const srv = await httpServer((req, res) => res.end(`body of ${req.url}`));
    const t = await transport(srv.origin);
    const res = await ok(t.senderFor(1), { path: '/x' }, false);
    expect(res.status).toBe(200);
    expect(res.text).toBeNull();
    expect((await ok(t.senderFor(1), { path: '/y' })).text).toBe('body of /y');
    expect(srv.connections).toBe(1);
  });
});

describe('lean connection: responses without a body', () => {
  it('completes a HEAD response that carries content-length but no body, then a GET on the same connection', async () => {
    const srv = await rawServer((socket, head) => {
      if (head.startsWith('HEAD ')) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1234\r\ncontent-type: text/plain\r\n\r\n');
      else socket.write(okBytes('after head'));
    });
    const t = await transport(srv.origin);
    const res = await ok(t.senderFor(1), { method: 'HEAD', path: '/h' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('1234');
    expect(res.text).toBe('');
    const next = await ok(t.senderFor(1), { path: '/g' });
    expect(next.text).toBe('after head');
    expect(srv.connections).toBe(1);
  });

  it('keeps the connection after a HEAD response with neither content-length nor transfer-encoding (as node:http answers HEAD)', async () => {
    const srv = await rawServer((socket, head) => {
      if (head.startsWith('HEAD ')) socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n');
      else socket.write(okBytes('after head'));
    });
    const t = await transport(srv.origin);
    const res = await ok(t.senderFor(1), { method: 'HEAD', path: '/h' });
    expect(res.status).toBe(200);
    expect((await ok(t.senderFor(1), { path: '/g' })).text).toBe('after head');
    expect(srv.connections).toBe(1);
    // A HEAD response that says Connection: close still closes it.
    const srv2 = await rawServer((socket, head) => {
      if (head.startsWith('HEAD ')) socket.write('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n');
      else socket.write(okBytes('after head'));
    });
    const t2 = await transport(srv2.origin);
    await ok(t2.senderFor(1), { method: 'HEAD', path: '/h' });
    expect((await ok(t2.senderFor(1), { path: '/g' })).text).toBe('after head');
    expect(srv2.requests.map((r) => r.conn)).toEqual([0, 1]);
  });

  it('completes 204 and 304 responses without a body (a 304 may carry the representation\'s content-length), then reuses the connection', async () => {
    const srv = await rawServer((socket, head) => {
      const path = pathOf(head);
      if (path === '/204') socket.write('HTTP/1.1 204 No Content\r\nx-a: 1\r\n\r\n');
      else if (path === '/204-length') socket.write('HTTP/1.1 204 No Content\r\ncontent-length: 7\r\n\r\n');
      else if (path === '/304') socket.write('HTTP/1.1 304 Not Modified\r\netag: "v1"\r\n\r\n');
      else if (path === '/304-length') socket.write('HTTP/1.1 304 Not Modified\r\netag: "v1"\r\ncontent-length: 512\r\n\r\n');
      else socket.write(okBytes('done'));
    });
    const t = await transport(srv.origin, 2_000);
    const vu = t.senderFor(1);
    expect((await ok(vu, { path: '/204' })).status).toBe(204);
    expect((await ok(vu, { path: '/304' })).status).toBe(304);
    const withLength = await call(vu, { path: '/304-length' });
    expect(withLength.err).toBeNull();
    expect(withLength.res?.status).toBe(304);
    const noContentLength = await call(vu, { path: '/204-length' });
    expect(noContentLength.err).toBeNull();
    expect(noContentLength.res?.status).toBe(204);
    expect((await ok(vu, { path: '/last' })).text).toBe('done');
    expect(srv.connections).toBe(1);
  });

  it('reads past a 100 Continue interim response to the final 200', async () => {
    const srv = await rawServer(async (socket, head) => {
      socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      if (pathOf(head) === '/apart') await sleep(30);
      socket.write(okBytes(`final ${pathOf(head)}`));
    });
    const t = await transport(srv.origin);
    const apart = await ok(t.senderFor(1), { path: '/apart' });
    expect(apart.status).toBe(200);
    expect(apart.text).toBe('final /apart');
    const together = await ok(t.senderFor(1), { path: '/together' });
    expect(together.status).toBe(200);
    expect(together.text).toBe('final /together');
    expect(srv.connections).toBe(1);
  });
});

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
    expect(srv.requests.map((r) => [pathOf(r.head), r.conn])).toEqual([['/bye', 0], ['/again', 1]]);
  });

  it('a request sent once the server closed the idle connection, before the socket\'s close event, goes on a new connection', async () => {
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
    expect(srv.requests.map((r) => [pathOf(r.head), r.conn])).toEqual([['/1', 0], ['/2', 1]]);
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

describe('lean connection: the server\'s Keep-Alive hint', () => {
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

describe('lean connection: errors', () => {
  it('a closed port is refused', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const t = await transport(`http://127.0.0.1:${port}`);
    const { err } = await fails(t.senderFor(1), { path: '/' });
    expect(errorKind(err)).toBe('refused');
    expect(t.connections()).toBe(0);
  });

  it('a server that never answers times out after the request timeout', async () => {
    const srv = await rawServer(() => undefined);
    const t = await transport(srv.origin, 300);
    const { err, ms } = await fails(t.senderFor(1), { path: '/silent' });
    expect(errorKind(err)).toBe('timeout');
    expect(err.code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(3_000);
    expect(srv.requests).toHaveLength(1);
  });

  it('a body that stops arriving times out as a body timeout', async () => {
    const srv = await rawServer((socket) => void socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b'));
    const t = await transport(srv.origin, 300);
    const { err, ms } = await fails(t.senderFor(1), { path: '/stall' });
    expect(errorKind(err)).toBe('timeout');
    expect(err.code).toBe('UND_ERR_BODY_TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(3_000);
  });

  it('a body that keeps arriving within the timeout between chunks is not timed out, however long it takes in all', async () => {
    const srv = await rawServer(async (socket) => {
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
      for (let i = 0; i < 6; i += 1) {
        await sleep(100);
        socket.write(`1\r\n${i}\r\n`);
      }
      socket.write('0\r\n\r\n');
    });
    const t = await transport(srv.origin, 300);
    const out = await call(t.senderFor(1), { path: '/trickle' });
    expect(out.err).toBeNull();
    expect(out.res?.text).toBe('012345');
    expect(out.ms).toBeGreaterThan(450);
  });

  it('a connection reset mid-response is a reset', async () => {
    const srv = await rawServer(async (socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial');
      await sleep(20);
      socket.resetAndDestroy();
    });
    const t = await transport(srv.origin);
    const { err, ms } = await fails(t.senderFor(1), { path: '/rst' });
    expect(errorKind(err)).toBe('reset');
    expect(ms).toBeLessThan(3_000);
  });

  it('a connection closed mid-response (FIN before the body is complete) is a reset', async () => {
    const srv = await rawServer(async (socket, head) => {
      if (pathOf(head) === '/next') return void socket.write(okBytes('next'));
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial');
      await sleep(20);
      socket.destroy();
    });
    const t = await transport(srv.origin);
    const { err, ms } = await fails(t.senderFor(1), { path: '/fin' });
    expect(errorKind(err)).toBe('reset');
    expect(ms).toBeLessThan(3_000);
    expect((await ok(t.senderFor(1), { path: '/next' })).text).toBe('next');
  });

  it('a connection closed before any answer is a reset', async () => {
    const srv = await rawServer((socket) => void socket.destroy());
    const t = await transport(srv.origin);
    const { err } = await fails(t.senderFor(1), { path: '/gone' });
    expect(errorKind(err)).toBe('reset');
  });

  it('a malformed status line is an error, not a hang, and the connection is not reused', async () => {
    const srv = await rawServer((socket, head) => {
      if (pathOf(head) === '/bad') socket.write('HTTP/1.1 2OO OK\r\ncontent-length: 2\r\n\r\nok');
      else if (pathOf(head) === '/junk') socket.write('SSH-2.0-OpenSSH_9.6\r\n\r\n');
      else socket.write(okBytes('fine'));
    });
    const t = await transport(srv.origin, 10_000);
    const bad = await fails(t.senderFor(1), { path: '/bad' });
    expect(bad.ms).toBeLessThan(3_000);
    const junk = await fails(t.senderFor(1), { path: '/junk' });
    expect(junk.ms).toBeLessThan(3_000);
    expect((await ok(t.senderFor(1), { path: '/good' })).text).toBe('fine');
    expect(srv.connections).toBe(3);
  });

  it('a header with CR or LF in its value, or an invalid header name, fails before anything is sent', async () => {
    const srv = await httpServer((req, res) => res.end(JSON.stringify(req.headers)));
    const t = await transport(srv.origin);
    const vu = t.senderFor(1);
    const invalid: Array<Record<string, string>> = [{ 'x-a': 'v\r\nx-injected: 1' }, { 'x-a': 'v\nx-injected: 1' }, { 'x-a': 'v\rx' }, { 'x a': 'v' }, { 'x-a\r\nx-injected': '1' }];
    for (const headers of invalid) {
      const { err, ms } = await fails(vu, { path: '/', headers });
      expect(err.message).toMatch(/header/);
      expect(ms).toBeLessThan(1_000);
    }
    await sleep(50);
    expect(srv.connections).toBe(0);
    const res = await ok(vu, { path: '/', headers: { 'x-a': 'v' } });
    const seen = JSON.parse(res.text as string) as Record<string, string>;
    expect(seen['x-a']).toBe('v');
    expect(seen['x-injected']).toBeUndefined();
  });

  it('a path with a space or a line break fails before anything is sent', async () => {
    const srv = await echoPathServer();
    const t = await transport(srv.origin);
    for (const path of ['/a b', '/a\r\nx: 1', 'no-slash']) {
      const { err } = await fails(t.senderFor(1), { path });
      expect(err.message).toMatch(/path/);
    }
    await sleep(50);
    expect(srv.connections).toBe(0);
    expect((await ok(t.senderFor(1), { path: '/a%20b' })).text).toBe('/a%20b');
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

  it('a request sent from inside the previous one\'s done goes out in turn, on the same connection unless the last said Connection: close', async () => {
    const srv = await httpServer((req, res) => {
      if (req.url === '/3') res.setHeader('connection', 'close');
      res.end(req.url);
    });
    const t = await transport(srv.origin);
    const vu = t.senderFor(1);
    const texts: Array<string | null> = [];
    await new Promise<void>((resolve, reject) => {
      const next = (i: number) => vu.send({ method: 'GET', path: `/${i}`, headers: {}, body: null }, true, (res, err) => {
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

  it('a request sent from inside a refused one\'s done is tried again, and each ends once', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const t = await transport(`http://127.0.0.1:${port}`);
    const vu = t.senderFor(1);
    const kinds: string[] = [];
    await new Promise<void>((resolve) => {
      const next = (i: number) => vu.send({ method: 'GET', path: '/', headers: {}, body: null }, true, (_res, err) => {
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
    await waitFor('the server to get both VUs\' first requests', () => srv.requests.length === 2);
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
    expect(srv.requests.map((r) => [pathOf(r.head), r.conn])).toEqual([['/silent', 0], ['/after', 1]]);
    // Past the request timeout again: the answered request is not timed out later by a stale deadline.
    await sleep(400);
    expect((await ok(vu, { path: '/later' })).text).toBe('answer /later');
    expect(srv.connections).toBe(2);
  });
});
