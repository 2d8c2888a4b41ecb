import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnderTest, type ProxyUnderTest } from './testing.ts';
import { dial, sleep, until, upstreamServer } from './wire.ts';

/**
 * How connections close through the proxy, byte for byte, as Toxiproxy closes
 * them (calibrated by running this file against the real server: see README).
 */
let under: ProxyUnderTest;
beforeAll(async () => {
  under = await startUnderTest();
});
afterAll(() => under.stop());

describe('half-close, as Toxiproxy: a FIN from either side closes both', () => {
  it('a client that half-closes gets nothing of an answer the upstream sends on EOF', async () => {
    await using upstream = await upstreamServer((w) => w.socket.on('end', () => w.socket.end('reply')));
    const { listen } = await under.proxy(upstream.address);
    const client = await dial(listen);
    client.socket.end('hello');
    const server = await upstream.next();
    expect((await client.closed).how).toBe('end');
    await until(() => server.received() === 5, 2000);
    expect(server.data().toString()).toBe('hello');
    await sleep(100);
    expect(client.received()).toBe(0);
  });

  it('an upstream that half-closes gets nothing of an answer the client sends on EOF', async () => {
    await using upstream = await upstreamServer((w) => w.socket.end('data'));
    const { listen } = await under.proxy(upstream.address);
    const client = await dial(listen);
    client.socket.on('end', () => client.socket.write('reply'));
    const server = await upstream.next();
    await client.closed;
    await server.closed;
    await sleep(100);
    expect(client.data().toString()).toBe('data');
    expect(server.received()).toBe(0);
  });
});

describe('reset_peer present when the connection opened: every close is an RST (SO_LINGER 0)', () => {
  // The toxic sits on the direction that carries nothing, so only the linger set at connect makes the RST.
  // (A FIN right behind data can reach a Node reader as 'end' even after an RST: the data goes first, then the close.)
  const quietReset = (stream: string) => ({ type: 'reset_peer', stream, attributes: { timeout: 0 } });

  it('the upstream closing normally reaches the client as ECONNRESET, after the data', async () => {
    await using upstream = await upstreamServer((w) => {
      w.socket.write('bye');
      setTimeout(() => w.socket.end(), 100);
    });
    const { listen } = await under.proxy(upstream.address, [quietReset('upstream')]);
    const client = await dial(listen);
    expect((await client.closed).how).toBe('ECONNRESET');
    expect(client.data().toString()).toBe('bye');
  });

  it('the client closing normally reaches the upstream as ECONNRESET', async () => {
    await using upstream = await upstreamServer();
    const { listen } = await under.proxy(upstream.address, [quietReset('downstream')]);
    const client = await dial(listen);
    const server = await upstream.next();
    client.socket.end();
    expect((await server.closed).how).toBe('ECONNRESET');
  });

  it('a connection opened before the toxic was added closes with a FIN', async () => {
    await using upstream = await upstreamServer((w) => setTimeout(() => w.socket.end('bye'), 200));
    const { name, listen } = await under.proxy(upstream.address);
    const client = await dial(listen);
    await upstream.next();
    expect((await under.api('POST', `/proxies/${name}/toxics`, quietReset('upstream'))).status).toBe(200);
    expect((await client.closed).how).toBe('end');
    expect(client.data().toString()).toBe('bye');
  });

  it('resets `timeout` ms after the first data, which it drops, in either direction', async () => {
    for (const stream of ['upstream', 'downstream'] as const) {
      await using upstream = await upstreamServer();
      const { listen } = await under.proxy(upstream.address, [
        { type: 'reset_peer', stream, attributes: { timeout: 300 } },
      ]);
      const client = await dial(listen);
      const server = await upstream.next();
      const [sender, receiver, resetSide] = stream === 'upstream' ? [client, server, client] : [server, client, client];
      const t0 = performance.now();
      sender.socket.write('dropped');
      const closed = await resetSide.closed;
      expect(closed.how, stream).toBe('ECONNRESET');
      expect(closed.at - t0, stream).toBeGreaterThanOrEqual(280);
      expect(closed.at - t0, stream).toBeLessThan(1300);
      expect(receiver.received(), stream).toBe(0);
    }
  });
});

describe('timeout: an idle timer that every chunk reaching it restarts', () => {
  it('a client sending 1 byte every 100 ms keeps the connection open; it closes `timeout` ms after the last byte', async () => {
    // The upstream ticks to the client meanwhile: the other direction flows.
    await using upstream = await upstreamServer((w) => {
      const tick = setInterval(() => !w.socket.destroyed && w.socket.write('t'), 100);
      w.socket.on('close', () => clearInterval(tick));
    });
    const { listen } = await under.proxy(upstream.address, [
      { type: 'timeout', stream: 'upstream', attributes: { timeout: 300 } },
    ]);
    const t0 = performance.now();
    const client = await dial(listen);
    const server = await upstream.next();
    for (let i = 0; i < 12; i++) {
      client.socket.write('x');
      await sleep(100);
    }
    const lastByte = performance.now() - 100;
    const closed = await client.closed;
    expect(closed.how).toBe('end');
    // A fixed timer would close at 300 ms; Toxiproxy closes about 300 ms after the last byte (~1.4 s).
    expect(closed.at - t0).toBeGreaterThanOrEqual(1150);
    expect(closed.at - lastByte).toBeGreaterThanOrEqual(200);
    expect(closed.at - lastByte).toBeLessThan(1300);
    expect(server.received()).toBe(0);
    expect(client.received()).toBeGreaterThanOrEqual(5);
  });

  it('with no data closes after `timeout` ms, in either direction', async () => {
    for (const stream of ['upstream', 'downstream']) {
      await using upstream = await upstreamServer();
      const { listen } = await under.proxy(upstream.address, [
        { type: 'timeout', stream, attributes: { timeout: 300 } },
      ]);
      const t0 = performance.now();
      const client = await dial(listen);
      const closed = await client.closed;
      expect(closed.how, stream).toBe('end');
      expect(closed.at - t0, stream).toBeGreaterThanOrEqual(280);
      expect(closed.at - t0, stream).toBeLessThan(1300);
    }
  });
});

describe('limit_data: exactly `bytes` bytes, then the connection closes', () => {
  it('downstream: the client gets 1234 of 5000 bytes', async () => {
    await using upstream = await upstreamServer((w) => w.socket.write(Buffer.alloc(5000, 1)));
    const { listen } = await under.proxy(upstream.address, [{ type: 'limit_data', attributes: { bytes: 1234 } }]);
    const client = await dial(listen);
    expect((await client.closed).how).toBe('end');
    expect(client.received()).toBe(1234);
  });

  it('upstream: the server gets 1000 of 5000 bytes, and the client is closed', async () => {
    await using upstream = await upstreamServer();
    const { listen } = await under.proxy(upstream.address, [
      { type: 'limit_data', stream: 'upstream', attributes: { bytes: 1000 } },
    ]);
    const client = await dial(listen);
    const server = await upstream.next();
    client.socket.write(Buffer.alloc(5000, 2));
    expect((await client.closed).how).toBe('end');
    await server.closed;
    expect(server.received()).toBe(1000);
  });
});

describe('slow_close: data at once, the close `delay` ms later', () => {
  it('downstream and upstream', async () => {
    for (const stream of ['downstream', 'upstream'] as const) {
      await using upstream = await upstreamServer((w) => stream === 'downstream' && w.socket.end('bye'));
      const { listen } = await under.proxy(upstream.address, [
        { type: 'slow_close', stream, attributes: { delay: 400 } },
      ]);
      const t0 = performance.now();
      const client = await dial(listen);
      const server = await upstream.next();
      if (stream === 'upstream') client.socket.end('bye');
      const [receiver, closer] = stream === 'downstream' ? [client, client] : [server, server];
      const closed = await closer.closed;
      expect(receiver.data().toString(), stream).toBe('bye');
      expect(receiver.reads[0]!.at - t0, stream).toBeLessThan(300);
      expect(closed.at - t0, stream).toBeGreaterThanOrEqual(380);
      expect(closed.at - t0, stream).toBeLessThan(1500);
    }
  });
});
