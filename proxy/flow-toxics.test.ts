import { describe, expect, it } from 'vitest';
import { api, connect, proxyTo, readBytes, startEchoServer, startTcpServer } from './testing.ts';
import { createRandom } from './random.ts';
import { sliceOffsets } from './toxics/slicer-toxic.ts';
import type net from 'node:net';

/** Round trip of `payload` through an echo server, ms. */
async function roundTrip(socket: net.Socket, payload = 'ping'): Promise<number> {
  const reading = readBytes(socket, payload.length);
  socket.write(payload);
  return (await reading).ms;
}

/** The fastest of three round trips: without a toxic it is well under 100 ms even on a busy machine. */
async function fastestRoundTrip(socket: net.Socket): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) times.push(await roundTrip(socket));
  return Math.min(...times);
}

describe('latency toxic', () => {
  it('delays each response by latency ± jitter, on connections opened before and after it was added', async () => {
    await using echo = await startEchoServer();
    await using proxy = await proxyTo(echo.address);
    const before = await connect(proxy.listen);
    const baseline = await fastestRoundTrip(before);
    expect(baseline).toBeLessThan(100);

    await api(proxy.server, 'POST', '/proxies/p/toxics', { type: 'latency', attributes: { latency: 120, jitter: 10 } });
    const after = await connect(proxy.listen);
    for (const socket of [before, after]) {
      const ms = await roundTrip(socket);
      // Toxiproxy's bar is ±10 ms plus jitter; the upper bound is generous for a shared 2-core machine.
      expect(ms).toBeGreaterThanOrEqual(120 - 10 - 10);
      expect(ms).toBeLessThan(120 + 10 + 150);
    }
    await api(proxy.server, 'DELETE', '/proxies/p/toxics/latency_downstream');
    expect(await fastestRoundTrip(before)).toBeLessThan(100);
    before.destroy();
    after.destroy();
  });

  it('with stream "both" delays the request and the response', async () => {
    await using echo = await startEchoServer();
    await using proxy = await proxyTo(echo.address, {
      toxics: [{ type: 'latency', stream: 'both', attributes: { latency: 60 } }],
    });
    const socket = await connect(proxy.listen);
    expect(await roundTrip(socket)).toBeGreaterThanOrEqual(110);
    socket.destroy();
  });

  it('toxicity is rolled per connection from a seedable random source', async () => {
    await using echo = await startEchoServer();
    await using proxy = await proxyTo(echo.address, {
      seed: 7,
      toxics: [{ type: 'latency', toxicity: 0.5, attributes: { latency: 80 } }],
    });
    let delayed = 0;
    for (let i = 0; i < 30; i++) {
      const socket = await connect(proxy.listen);
      if ((await roundTrip(socket)) >= 70) delayed += 1;
      socket.destroy();
    }
    expect(delayed).toBeGreaterThan(5);
    expect(delayed).toBeLessThan(25);
    const a = createRandom(99);
    const b = createRandom(99);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
  });
});

describe('bandwidth toxic', () => {
  it('sends 480 KB at 1000 KB/s in about 480 ms, where direct takes a few', async () => {
    const payload = Buffer.alloc(480_000, 7);
    await using source = await startTcpServer((s) => s.end(payload));
    const direct = await readBytes(await connect(source.address), payload.length);
    await using proxy = await proxyTo(source.address, { toxics: [{ type: 'bandwidth', attributes: { rate: 1000 } }] });
    const limited = await readBytes(await connect(proxy.listen), payload.length);
    expect(limited.data.equals(payload)).toBe(true);
    expect(limited.ms).toBeGreaterThanOrEqual(470);
    expect(limited.ms).toBeLessThan(480 + 400);
    expect(direct.ms).toBeLessThan(limited.ms / 2);
  });
});

describe('bandwidth toxic at rate 0', () => {
  it('passes nothing, as Toxiproxy 2.12 does, until the toxic is removed; then every byte arrives', async () => {
    await using echo = await startEchoServer();
    await using proxy = await proxyTo(echo.address, { toxics: [{ type: 'bandwidth', attributes: { rate: 0 } }] });
    const socket = await connect(proxy.listen);
    let received = 0;
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.write(Buffer.alloc(10_000, 1));
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toBe(0);
    const rest = readBytes(socket, 10_000);
    expect((await api(proxy.server, 'DELETE', '/proxies/p/toxics/bandwidth_downstream')).status).toBe(204);
    await rest;
    expect(received).toBe(10_000);
    socket.destroy();
  });
});

describe('slicer toxic', () => {
  it("with size_variation equal to average_size (toxiproxy-node-client's own case) or no attributes at all, delivers every byte", async () => {
    const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    await using source = await startTcpServer((s) => s.end(payload));
    for (const attributes of [{ average_size: 1000, size_variation: 1000 }, {}]) {
      // Toxiproxy 2.12 dies on the second (its recursion never ends: "fatal error: stack overflow").
      await using proxy = await proxyTo(source.address, { toxics: [{ type: 'slicer', attributes }] });
      const got = await readBytes(await connect(proxy.listen), payload.length);
      expect(got.data.equals(payload), JSON.stringify(attributes)).toBe(true);
    }
  });

  it('slice offsets make progress and cover the chunk whatever the attributes', () => {
    const random = createRandom(5);
    for (const [average, variation] of [
      [0, 0],
      [10, 10],
      [1, 100],
      [-5, 0],
      [10, -3],
    ] as const) {
      const cuts = sliceOffsets(1000, average, variation, random);
      expect(cuts[0]).toBe(0);
      expect(cuts.at(-1)).toBe(1000);
      const sizes = cuts.slice(1).map((c, i) => c - cuts[i]!);
      expect(Math.min(...sizes), `${average}/${variation}`).toBeGreaterThan(0);
    }
  });

  it('cuts the stream into slices of about average_size, delay µs apart, without losing a byte', async () => {
    const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    await using source = await startTcpServer((s) => s.end(payload));
    await using proxy = await proxyTo(source.address, {
      toxics: [{ type: 'slicer', attributes: { average_size: 100, size_variation: 0, delay: 20_000 } }],
    });
    const got = await readBytes(await connect(proxy.listen), payload.length);
    expect(got.data.equals(payload)).toBe(true);
    // 1000 bytes halve down to 16 slices of 62-63 bytes (Toxiproxy's algorithm); the kernel may merge a few.
    expect(got.chunks).toBeGreaterThanOrEqual(12);
    expect(got.chunks).toBeLessThanOrEqual(16);
    expect(got.ms).toBeGreaterThanOrEqual(15 * 20 * 0.8);
  });

  it('slice offsets cover the chunk with sizes within the variation', () => {
    const random = createRandom(3);
    const cuts = sliceOffsets(10_000, 100, 20, random);
    expect(cuts[0]).toBe(0);
    expect(cuts.at(-1)).toBe(10_000);
    const sizes = cuts.slice(1).map((c, i) => c - cuts[i]!);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(120);
    expect(sizes.length).toBeGreaterThan(10_000 / 120);
  });
});
