import { describe, expect, it } from 'vitest';
import { startProxyServer } from './server.ts';
import { api, startEchoServer } from './testing.ts';

/**
 * Input Toxiproxy 2.12 accepts (checked against the real server built from
 * its source) that rampart's stricter checks used to refuse: accepted by
 * default with a warning in the proxy's log, refused with 400 under --strict.
 */
const toxicCases: { body: Record<string, unknown>; field: RegExp }[] = [
  { body: { type: 'latency', name: 'neg-latency', attributes: { latency: -5 } }, field: /attributes\.latency/ },
  { body: { type: 'latency', name: 'neg-jitter', attributes: { jitter: -1 } }, field: /attributes\.jitter/ },
  { body: { type: 'bandwidth', name: 'neg-rate', attributes: { rate: -1 } }, field: /attributes\.rate/ },
  { body: { type: 'limit_data', name: 'neg-bytes', attributes: { bytes: -1 } }, field: /attributes\.bytes/ },
  { body: { type: 'timeout', name: 'neg-timeout', attributes: { timeout: -1 } }, field: /attributes\.timeout/ },
  { body: { type: 'reset_peer', name: 'neg-reset', attributes: { timeout: -10 } }, field: /attributes\.timeout/ },
  { body: { type: 'slow_close', name: 'neg-delay', attributes: { delay: -1 } }, field: /attributes\.delay/ },
  { body: { type: 'latency', name: 'toxicity-2', toxicity: 2 }, field: /toxicity/ },
  { body: { type: 'latency', name: 'toxicity-neg', toxicity: -0.5 }, field: /toxicity/ },
  { body: { type: 'slicer', name: 'slicer-bare' }, field: /attributes\.average_size/ },
  {
    body: {
      type: 'slicer',
      name: 'slicer-equal',
      attributes: { average_size: 1000, size_variation: 1000, delay: 1000 },
    },
    field: /attributes\.size_variation/,
  },
  { body: { type: 'latency', stream: 'UPSTREAM', attributes: { latency: 1 } }, field: /stream/ },
];

describe('input Toxiproxy accepts and rampart finds suspect', () => {
  it('is accepted by default, answered as Toxiproxy answers it, with one warning each in the log', async () => {
    await using upstream = await startEchoServer();
    const warnings: string[] = [];
    await using server = await startProxyServer({ port: 0, warn: (m) => warnings.push(m) });
    expect(
      (await api(server, 'POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: upstream.address })).status,
    ).toBe(201);
    for (const { body, field } of toxicCases) {
      const before = warnings.length;
      const res = await api<Record<string, unknown>>(server, 'POST', '/proxies/p/toxics', body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(warnings.slice(before), JSON.stringify(body)).toEqual([expect.stringMatching(field)]);
    }
    // The stream is echoed as spelled, and names the default toxic, as in Toxiproxy.
    const toxics = (await api<{ name: string; stream: string }[]>(server, 'GET', '/proxies/p/toxics')).body;
    expect(toxics).toContainEqual(expect.objectContaining({ name: 'latency_UPSTREAM', stream: 'UPSTREAM' }));
    expect(toxics.find((t) => t.name === 'neg-latency')).toMatchObject({ attributes: { latency: -5, jitter: 0 } });
    // An update outside the bounds: accepted with a warning too.
    const before = warnings.length;
    expect((await api(server, 'PATCH', '/proxies/p/toxics/neg-latency', { toxicity: 7 })).body).toMatchObject({
      toxicity: 7,
    });
    expect(warnings.slice(before)).toEqual([
      expect.stringMatching(/^PATCH \/proxies\/p\/toxics\/neg-latency: toxicity/),
    ]);

    // The type noop, and upstreams that are not host:port or do not resolve: Toxiproxy dials them per connection.
    expect((await api(server, 'POST', '/proxies/p/toxics', { type: 'noop' })).body).toEqual({
      attributes: {},
      name: 'noop_downstream',
      type: 'noop',
      stream: 'downstream',
      toxicity: 1,
    });
    expect(
      (
        await api(server, 'POST', '/proxies', {
          name: 'q',
          listen: '127.0.0.1:0',
          upstream: 'no-such-host.invalid:5432',
        })
      ).status,
    ).toBe(201);
    expect(
      (await api(server, 'POST', '/proxies', { name: 'r', listen: '127.0.0.1:0', upstream: 'localhost' })).status,
    ).toBe(201);
    expect(warnings.at(-1)).toMatch(/upstream: "localhost" is not host:port/);
    // A listen that is not host:port is Go's listen error, a 500.
    expect(
      await api(server, 'POST', '/proxies', { name: 's', listen: 'garbage', upstream: upstream.address }),
    ).toMatchObject({
      status: 500,
      body: { error: 'listen tcp: address garbage: missing port in address', status: 500 },
    });
  });

  it('is refused with 400 naming the field under --strict, and nothing is created', async () => {
    await using upstream = await startEchoServer();
    const warnings: string[] = [];
    await using server = await startProxyServer({ port: 0, strict: true, warn: (m) => warnings.push(m) });
    expect(
      (await api(server, 'POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: upstream.address })).status,
    ).toBe(201);
    for (const { body, field } of toxicCases) {
      const res = await api<{ error: string; status: number }>(server, 'POST', '/proxies/p/toxics', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toMatch(field);
    }
    expect((await api(server, 'GET', '/proxies/p/toxics')).body).toEqual([]);
    expect(
      (await api(server, 'POST', '/proxies', { name: 'r', listen: '127.0.0.1:0', upstream: 'localhost' })).body,
    ).toMatchObject({
      status: 400,
      error: expect.stringMatching(/upstream: "localhost" is not host:port/),
    });
    expect(
      (await api(server, 'POST', '/proxies', { name: 's', listen: 'garbage', upstream: upstream.address })).body,
    ).toMatchObject({
      status: 400,
      error: expect.stringMatching(/listen: "garbage" is not host:port/),
    });
    // noop and the extensions are fine in strict mode too.
    expect((await api(server, 'POST', '/proxies/p/toxics', { type: 'noop' })).status).toBe(200);
    expect((await api(server, 'POST', '/proxies/p/toxics', { type: 'latency', stream: 'both' })).status).toBe(200);
    expect(warnings).toEqual([]);
  });
});

describe('listing order, as Toxiproxy', () => {
  it("lists a proxy's upstream toxics first, then its downstream ones, each in the order added", async () => {
    await using upstream = await startEchoServer();
    await using server = await startProxyServer({ port: 0 });
    await api(server, 'POST', '/proxies', { name: 'p', listen: '127.0.0.1:0', upstream: upstream.address });
    for (const [name, stream] of [
      ['d1', 'downstream'],
      ['u1', 'upstream'],
      ['b1', 'both'],
      ['d2', 'downstream'],
      ['u2', 'upstream'],
    ]) {
      await api(server, 'POST', '/proxies/p/toxics', { type: 'latency', name, stream });
    }
    const names = (list: { name: string }[]) => list.map((t) => t.name);
    expect(names((await api<{ name: string }[]>(server, 'GET', '/proxies/p/toxics')).body)).toEqual([
      'u1',
      'u2',
      'd1',
      'd2',
      'b1',
    ]);
    expect(names((await api<{ toxics: { name: string }[] }>(server, 'GET', '/proxies/p')).body.toxics)).toEqual([
      'u1',
      'u2',
      'd1',
      'd2',
      'b1',
    ]);
  });

  it("answers GET /proxies with the names sorted, as Go's JSON encoder writes a map", async () => {
    await using upstream = await startEchoServer();
    await using server = await startProxyServer({ port: 0 });
    for (const name of ['redis', 'b', 'Zeta', 'a'])
      await api(server, 'POST', '/proxies', { name, listen: '127.0.0.1:0', upstream: upstream.address });
    expect(Object.keys((await api<Record<string, unknown>>(server, 'GET', '/proxies')).body)).toEqual([
      'Zeta',
      'a',
      'b',
      'redis',
    ]);
  });
});
