import { describe, expect, it } from 'vitest';
import { api, closedHow, connect, proxyTo, readBytes, startEchoServer, startTcpServer } from './testing.ts';
import { getFreePort } from '../common/index.ts';

describe('limit_data toxic', () => {
  it('passes exactly `bytes` bytes and then closes the connection', async () => {
    await using source = await startTcpServer((s) => s.write(Buffer.alloc(5000, 1)));
    await using proxy = await proxyTo(source.address, {
      toxics: [{ type: 'limit_data', attributes: { bytes: 1234 } }],
    });
    const socket = await connect(proxy.listen);
    const got = await readBytes(socket, 5000);
    expect(got.data.length).toBe(1234);
    expect(socket.readableEnded || socket.destroyed).toBe(true);
  });
});

describe('reset_peer toxic', () => {
  it('aborts the connection with a TCP RST: the client gets ECONNRESET', async () => {
    await using echo = await startEchoServer();
    await using proxy = await proxyTo(echo.address, { toxics: [{ type: 'reset_peer', attributes: { timeout: 0 } }] });
    const socket = await connect(proxy.listen);
    const how = closedHow(socket);
    socket.write('hello');
    expect(await how).toBe('ECONNRESET');
  });

  it('added to a connection that is already open, closes it with a FIN, as Toxiproxy does (no linger 0 was set at connect)', async () => {
    await using echo = await startEchoServer();
    await using proxy = await proxyTo(echo.address);
    const open = await connect(proxy.listen);
    open.write('before');
    await readBytes(open, 6);
    expect(
      (await api(proxy.server, 'POST', '/proxies/p/toxics', { type: 'reset_peer', attributes: { timeout: 0 } })).status,
    ).toBe(200);
    const how = closedHow(open);
    open.write('after');
    expect(await how).toBe('end');
    // A connection opened while the toxic is on gets the RST.
    const fresh = await connect(proxy.listen);
    const freshHow = closedHow(fresh);
    fresh.write('hello');
    expect(await freshHow).toBe('ECONNRESET');
  });

  it('waits `timeout` ms after data before resetting', async () => {
    await using echo = await startEchoServer();
    await using proxy = await proxyTo(echo.address, { toxics: [{ type: 'reset_peer', attributes: { timeout: 200 } }] });
    const socket = await connect(proxy.listen);
    const how = closedHow(socket);
    const start = performance.now();
    socket.write('hello');
    expect(await how).toBe('ECONNRESET');
    expect(performance.now() - start).toBeGreaterThanOrEqual(180);
  });
});

describe('timeout toxic', () => {
  it('with timeout 0 holds the connection silently until removed, and removing it closes the connection', async () => {
    await using echo = await startEchoServer();
    await using proxy = await proxyTo(echo.address, { toxics: [{ type: 'timeout', attributes: { timeout: 0 } }] });
    const socket = await connect(proxy.listen);
    let received = 0;
    socket.on('data', (d: Buffer) => (received += d.length));
    const how = closedHow(socket);
    socket.write('anyone?');
    await new Promise((r) => setTimeout(r, 400));
    expect(received).toBe(0);
    expect(socket.destroyed).toBe(false);
    expect((await api(proxy.server, 'DELETE', '/proxies/p/toxics/timeout_downstream')).status).toBe(204);
    expect(await how).toBe('end');
    expect(received).toBe(0);
  });

  it('closes the connection after `timeout` ms', async () => {
    await using echo = await startEchoServer();
    await using proxy = await proxyTo(echo.address, { toxics: [{ type: 'timeout', attributes: { timeout: 200 } }] });
    const socket = await connect(proxy.listen);
    const start = performance.now();
    expect(await closedHow(socket)).toBe('end');
    expect(performance.now() - start).toBeGreaterThanOrEqual(180);
  });
});

describe('slow_close toxic', () => {
  it('delivers data at once but holds the FIN back `delay` ms', async () => {
    await using source = await startTcpServer((s) => s.end('bye'));
    await using proxy = await proxyTo(source.address, { toxics: [{ type: 'slow_close', attributes: { delay: 300 } }] });
    const socket = await connect(proxy.listen);
    const start = performance.now();
    let dataAt = 0;
    socket.once('data', () => (dataAt = performance.now() - start));
    expect(await closedHow(socket)).toBe('end');
    expect(dataAt).toBeLessThan(250);
    expect(performance.now() - start).toBeGreaterThanOrEqual(280);
  });
});

describe('proxy down (enabled: false)', () => {
  it('closes open connections, refuses new ones, and comes back on the same port', async () => {
    await using echo = await startEchoServer();
    await using proxy = await proxyTo(echo.address);
    const open = await connect(proxy.listen);
    const how = closedHow(open);
    await api(proxy.server, 'PATCH', '/proxies/p', { enabled: false });
    expect(['end', 'close', 'ECONNRESET']).toContain(await how);
    await expect(connect(proxy.listen)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await api(proxy.server, 'PATCH', '/proxies/p', { enabled: true });
    const again = await connect(proxy.listen);
    const reading = readBytes(again, 2);
    again.write('ok');
    expect((await reading).data.toString()).toBe('ok');
    again.destroy();
  });
});

describe('upstream unreachable', () => {
  it('closes the client connection promptly', async () => {
    const deadPort = await getFreePort();
    await using proxy = await proxyTo(`127.0.0.1:${deadPort}`);
    const socket = await connect(proxy.listen);
    const start = performance.now();
    await closedHow(socket);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('with on_upstream_down "refuse" refuses new connections until the upstream is back (beyond Toxiproxy)', async () => {
    const port = await getFreePort();
    await using proxy = await proxyTo(`127.0.0.1:${port}`);
    await api(proxy.server, 'PATCH', '/proxies/p', { on_upstream_down: 'refuse' });
    const first = await connect(proxy.listen);
    await closedHow(first);
    await new Promise((r) => setTimeout(r, 50));
    await expect(connect(proxy.listen)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await using _echo = await startTcpServerOn(port);
    let socket: Awaited<ReturnType<typeof connect>> | undefined;
    for (let i = 0; i < 40 && !socket; i++) {
      socket = await connect(proxy.listen).catch(() => undefined);
      if (!socket) await new Promise((r) => setTimeout(r, 50));
    }
    expect(socket).toBeDefined();
    const reading = readBytes(socket!, 2);
    socket!.write('hi');
    expect((await reading).data.toString()).toBe('hi');
    socket!.destroy();
  });
});

describe('metrics', () => {
  it('counts bytes live, while the connection is still open', async () => {
    await using echo = await startEchoServer();
    await using proxy = await proxyTo(echo.address);
    const socket = await connect(proxy.listen);
    const reading = readBytes(socket, 5);
    socket.write('12345');
    await reading;
    const text = await (await fetch(`${proxy.server.url}/metrics`)).text();
    expect(text).toMatch(/toxiproxy_proxy_sent_bytes_total\{direction="downstream",proxy="p"[^}]*\} 5/);
    expect(text).toMatch(/toxiproxy_proxy_connections_active\{proxy="p"\} 1/);
    socket.destroy();
  });
});

async function startTcpServerOn(port: number) {
  const net = await import('node:net');
  const server = net.createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { [Symbol.asyncDispose]: close };
}
