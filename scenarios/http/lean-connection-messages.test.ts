import { setTimeout as sleep } from 'node:timers/promises';
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  transport,
  call,
  ok,
  httpServer,
  rawServer,
  pathOf,
  okBytes,
  echoPathServer,
  useLeanFixtures,
  writeInParts,
  type HttpServer,
} from './lean-connection.fixtures.ts';

/** The lean connection's HTTP messages: keep-alive reuse, what a request carries, every way a response body ends. */
useLeanFixtures();

describe('lean connection: keep-alive', () => {
  it("sends a VU's sequential requests over one TCP connection, and gives two VUs two connections", async () => {
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
        seen.push({
          method: req.method as string,
          body: Buffer.concat(chunks),
          headers: req.headers,
          raw: req.rawHeaders,
        });
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
      socket.write(
        Buffer.concat([
          Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-disposition: '),
          value,
          Buffer.from('\r\n\r\nok'),
        ]),
      );
    });
    const t = await transport(srv.origin);
    const res = await ok(t.senderFor(1), { path: '/' });
    const got = res.headers['content-disposition'] as string;
    expect(got).toBe(value.toString('latin1'));
    expect(Buffer.from(got, 'latin1').toString('utf8')).toBe('attachment; filename="café 日本.txt"');
    expect(res.text).toBe('ok');
  });

  it('parses a response written one byte at a time', async () => {
    const bytes = Buffer.from(
      'HTTP/1.1 201 Created\r\nx-a: 1\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
    );
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
      await writeInParts(
        socket,
        [
          'HTTP/1.1 200 OK\r\ntransfer-enc',
          'oding: chunked\r\n\r\n5\r\nhel',
          'lo\r\n',
          '6\r\n wo',
          'rld\r\n0\r\n',
          '\r\n',
        ],
        15,
      );
    });
    const t = await transport(srv.origin);
    const res = await ok(t.senderFor(1), { path: '/chunked' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello world');
    expect((await ok(t.senderFor(1), { path: '/next' })).text).toBe('next');
    expect(srv.connections).toBe(1);
  });

  it("reads a body delimited by the connection's end, and the next request goes on a new connection", async () => {
    const srv = await rawServer(async (socket, head) => {
      if (pathOf(head) === '/next') return void socket.write(okBytes('next'));
      await writeInParts(
        socket,
        ['HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nfirst part, ', 'second part'],
        20,
      );
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
      socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${bytes.length}\r\n\r\n`,
      );
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
      if (head.startsWith('HEAD '))
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1234\r\ncontent-type: text/plain\r\n\r\n');
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

  it("completes 204 and 304 responses without a body (a 304 may carry the representation's content-length), then reuses the connection", async () => {
    const srv = await rawServer((socket, head) => {
      const path = pathOf(head);
      if (path === '/204') socket.write('HTTP/1.1 204 No Content\r\nx-a: 1\r\n\r\n');
      else if (path === '/204-length') socket.write('HTTP/1.1 204 No Content\r\ncontent-length: 7\r\n\r\n');
      else if (path === '/304') socket.write('HTTP/1.1 304 Not Modified\r\netag: "v1"\r\n\r\n');
      else if (path === '/304-length')
        socket.write('HTTP/1.1 304 Not Modified\r\netag: "v1"\r\ncontent-length: 512\r\n\r\n');
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
