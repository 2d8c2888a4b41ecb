import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnderTest, type ProxyUnderTest } from './testing.ts';
import { dial, sleep, until, upstreamServer, type Watched } from './wire.ts';

/**
 * How data flows through each toxic, in both directions: when each read
 * arrives and how many bytes it holds, as Toxiproxy delivers them
 * (calibrated by running this file against the real server: see README).
 */
let under: ProxyUnderTest;
beforeAll(async () => {
  under = await startUnderTest();
});
afterAll(() => under.stop());

const payload = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => i % 251));

/**
 * Sends `data` in one write from one side and watches the other side read it.
 * downstream: the upstream server writes and the client reads; upstream: the reverse.
 */
async function oneWay(
  stream: 'upstream' | 'downstream',
  toxics: Record<string, unknown>[],
  data: Buffer,
  waitMs: number,
) {
  await using upstream = await upstreamServer();
  const { listen } = await under.proxy(upstream.address, toxics);
  const client = await dial(listen);
  const server = await upstream.next();
  const [sender, receiver]: [Watched, Watched] = stream === 'downstream' ? [server, client] : [client, server];
  const t0 = performance.now();
  sender.socket.write(data);
  await until(() => receiver.received() >= data.length, waitMs);
  client.socket.destroy();
  return { t0, receiver, reads: receiver.reads.map((r) => ({ at: r.at - t0, bytes: r.bytes })) };
}

describe('noop', () => {
  it('passes every byte unchanged both ways', async () => {
    for (const stream of ['upstream', 'downstream'] as const) {
      const data = payload(100_000);
      const { receiver } = await oneWay(stream, [{ type: 'noop', stream }], data, 3000);
      expect(receiver.data().equals(data), stream).toBe(true);
    }
  });
});

describe('latency', () => {
  it('delays the data by `latency` ms, in either direction', async () => {
    for (const stream of ['upstream', 'downstream'] as const) {
      const { reads } = await oneWay(
        stream,
        [{ type: 'latency', stream, attributes: { latency: 300 } }],
        payload(100),
        3000,
      );
      expect(reads[0]!.at, stream).toBeGreaterThanOrEqual(290);
      expect(reads[0]!.at, stream).toBeLessThan(900);
    }
  });

  it('delays each chunk from its own arrival: a stream is shifted, not throttled', async () => {
    await using upstream = await upstreamServer();
    const { listen } = await under.proxy(upstream.address, [{ type: 'latency', attributes: { latency: 300 } }]);
    const client = await dial(listen);
    const server = await upstream.next();
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) {
      server.socket.write('x');
      await sleep(100);
    }
    await until(() => client.received() >= 3, 3000);
    const at = client.reads.map((r) => r.at - t0);
    expect(at).toHaveLength(3);
    expect(at[0]).toBeGreaterThanOrEqual(290);
    expect(at[2]! - at[0]!).toBeGreaterThanOrEqual(150);
    expect(at[2]! - at[0]!).toBeLessThan(450);
  });
});

describe('bandwidth', () => {
  it('at 100 KB/s delivers 50,000 bytes in about 500 ms, in pieces of at most 10,000 bytes (rate × 100 ms), both ways', async () => {
    for (const stream of ['upstream', 'downstream'] as const) {
      const data = payload(50_000);
      const { reads, receiver } = await oneWay(
        stream,
        [{ type: 'bandwidth', stream, attributes: { rate: 100 } }],
        data,
        4000,
      );
      expect(receiver.data().equals(data), stream).toBe(true);
      const last = reads.at(-1)!.at;
      expect(last, stream).toBeGreaterThanOrEqual(400);
      expect(last, stream).toBeLessThan(1500);
      expect(Math.max(...reads.map((r) => r.bytes)), stream).toBeLessThanOrEqual(10_000);
      expect(reads.filter((r) => r.bytes === 10_000).length, stream).toBeGreaterThanOrEqual(3);
      expect(reads[0]!.at, stream).toBeGreaterThanOrEqual(90);
    }
  });
});

describe('slicer', () => {
  it('cuts 2,000 bytes into slices of 62-63 bytes, one read each, `delay` µs apart, both ways', async () => {
    for (const stream of ['upstream', 'downstream'] as const) {
      const data = payload(2000);
      const toxic = { type: 'slicer', stream, attributes: { average_size: 100, size_variation: 0, delay: 1000 } };
      const { reads, receiver } = await oneWay(stream, [toxic], data, 3000);
      expect(receiver.data().equals(data), stream).toBe(true);
      // 32 slices; a busy machine may let a reader take two at once now and then, never a pile of them.
      expect(reads.length, stream).toBeGreaterThanOrEqual(24);
      expect(Math.max(...reads.map((r) => r.bytes)), stream).toBeLessThanOrEqual(126);
      expect(reads.filter((r) => r.bytes === 62 || r.bytes === 63).length, stream).toBeGreaterThanOrEqual(20);
    }
  });

  it('waits `delay` after each slice: 16 slices 20 ms apart take about 300 ms', async () => {
    const data = payload(1000);
    const { reads } = await oneWay(
      'downstream',
      [{ type: 'slicer', attributes: { average_size: 100, delay: 20_000 } }],
      data,
      3000,
    );
    expect(reads.length).toBeGreaterThanOrEqual(14);
    expect(reads.at(-1)!.at - reads[0]!.at).toBeGreaterThanOrEqual(15 * 20 * 0.9);
    expect(reads.at(-1)!.at - reads[0]!.at).toBeLessThan(1200);
  });
});
