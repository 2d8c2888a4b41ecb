import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnderTest, type ProxyUnderTest } from './testing.ts';
import { dial, sleep, until, upstreamServer } from './wire.ts';

/**
 * Changing a toxic while data is held in it: Toxiproxy interrupts the toxic,
 * which hands on what it was waiting on at once, and runs it again with the
 * new attributes (calibrated by running this file against the real server: see README).
 */
let under: ProxyUnderTest;
beforeAll(async () => {
  under = await startUnderTest();
});
afterAll(() => under.stop());

/** A proxy with `toxic` on downstream data, a client, and the upstream's socket to write from. */
async function held(toxic: Record<string, unknown>) {
  const upstream = await upstreamServer();
  const { name, listen } = await under.proxy(upstream.address, [toxic]);
  const client = await dial(listen);
  const server = await upstream.next();
  return {
    client,
    server,
    api: (method: string, path: string, body?: unknown) => under.api(method, path.replace('NAME', name), body),
    [Symbol.asyncDispose]: () => upstream[Symbol.asyncDispose](),
  };
}

describe('an update interrupts the toxic and flushes what it holds', () => {
  it('latency: the chunk being delayed goes at once; chunks behind it are delayed by the new latency from their arrival', async () => {
    await using p = await held({ type: 'latency', name: 'lat', attributes: { latency: 1000 } });
    const t0 = performance.now();
    p.server.socket.write('a');
    await sleep(100);
    p.server.socket.write('b');
    await sleep(100);
    expect((await p.api('PATCH', '/proxies/NAME/toxics/lat', { attributes: { latency: 500 } })).status).toBe(200);
    await until(() => p.client.received() >= 2, 2500);
    const at = p.client.reads.map((r) => r.at - t0);
    // Toxiproxy: 'a' at ~205 ms (not 1,000), 'b' at its arrival (100 ms) + 500 ms.
    expect(at[0]).toBeGreaterThanOrEqual(150);
    expect(at[0]).toBeLessThan(600);
    expect(at.at(-1)).toBeGreaterThanOrEqual(550);
    expect(at.at(-1)).toBeLessThan(1000);
    expect(p.client.data().toString()).toBe('ab');
  });

  it('bandwidth: the rest of the chunk being paced goes at once', async () => {
    // 1 KB/s: 100 bytes every 100 ms, so 5,000 bytes would take 5 s.
    await using p = await held({ type: 'bandwidth', name: 'bw', attributes: { rate: 1 } });
    const t0 = performance.now();
    p.server.socket.write(Buffer.alloc(5000, 3));
    await sleep(350);
    const before = p.client.received();
    expect((await p.api('PATCH', '/proxies/NAME/toxics/bw', { attributes: { rate: 1 } })).status).toBe(200);
    await until(() => p.client.received() >= 5000, 2000);
    expect(before).toBeGreaterThanOrEqual(100);
    expect(before).toBeLessThanOrEqual(400);
    expect(p.client.received()).toBe(5000);
    expect(p.client.reads.at(-1)!.at - t0).toBeLessThan(1500);
  });

  it('slicer: the rest of the chunk being sliced goes at once, in one write', async () => {
    // 1,000 bytes in slices of ~8 bytes, 100 ms apart: 12.8 s.
    await using p = await held({ type: 'slicer', name: 'sl', attributes: { average_size: 10, delay: 100_000 } });
    const t0 = performance.now();
    p.server.socket.write(Buffer.alloc(1000, 4));
    await sleep(350);
    const before = p.client.received();
    expect((await p.api('PATCH', '/proxies/NAME/toxics/sl', { attributes: { delay: 100_000 } })).status).toBe(200);
    await until(() => p.client.received() >= 1000, 2000);
    expect(before).toBeLessThanOrEqual(50);
    expect(p.client.received()).toBe(1000);
    expect(p.client.reads.at(-1)!.bytes).toBeGreaterThanOrEqual(900);
    expect(p.client.reads.at(-1)!.at - t0).toBeLessThan(1500);
  });

  it('slow_close: the wait for the close starts again with the new delay', async () => {
    await using p = await held({ type: 'slow_close', name: 'sc', attributes: { delay: 3000 } });
    const t0 = performance.now();
    p.server.socket.end('bye');
    await sleep(300);
    expect((await p.api('PATCH', '/proxies/NAME/toxics/sc', { attributes: { delay: 200 } })).status).toBe(200);
    const closed = await p.client.closed;
    expect(closed.how).toBe('end');
    expect(closed.at - t0).toBeGreaterThanOrEqual(450);
    expect(closed.at - t0).toBeLessThan(1800);
  });

  it('timeout: the idle timer starts again from the update', async () => {
    await using p = await held({ type: 'timeout', name: 'to', attributes: { timeout: 400 } });
    const t0 = performance.now();
    await sleep(250);
    expect((await p.api('PATCH', '/proxies/NAME/toxics/to', { attributes: { timeout: 400 } })).status).toBe(200);
    const closed = await p.client.closed;
    expect(closed.at - t0).toBeGreaterThanOrEqual(600);
    expect(closed.at - t0).toBeLessThan(1600);
  });
});

describe('adding a toxic re-runs the one that was last in the chain', () => {
  it('a latency toxic holding a chunk lets it go when another toxic is added behind it', async () => {
    await using p = await held({ type: 'latency', name: 'lat', attributes: { latency: 1000 } });
    const t0 = performance.now();
    p.server.socket.write('a');
    await sleep(200);
    expect((await p.api('POST', '/proxies/NAME/toxics', { type: 'noop', name: 'behind' })).status).toBe(200);
    await until(() => p.client.received() >= 1, 2000);
    expect(p.client.reads[0]!.at - t0).toBeLessThan(700);
  });
});
