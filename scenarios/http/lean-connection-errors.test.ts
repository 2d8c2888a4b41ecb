import { setTimeout as sleep } from 'node:timers/promises';
import net, { type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { errorKind } from '../flow/run-step.ts';
import {
  transport,
  call,
  ok,
  fails,
  httpServer,
  rawServer,
  pathOf,
  okBytes,
  echoPathServer,
  useLeanFixtures,
} from './lean-connection.fixtures.ts';

/** The lean connection's errors, each told apart as undici told them: refused, timeout, reset, other. */
useLeanFixtures();

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
    const srv = await rawServer(
      (socket) => void socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b'),
    );
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
    const invalid: Array<Record<string, string>> = [
      { 'x-a': 'v\r\nx-injected: 1' },
      { 'x-a': 'v\nx-injected: 1' },
      { 'x-a': 'v\rx' },
      { 'x a': 'v' },
      { 'x-a\r\nx-injected': '1' },
    ];
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
