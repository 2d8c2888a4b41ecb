import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startProxyServer } from './server.ts';
import { api, startEchoServer } from './testing.ts';

describe('the fault proxy API, driven by toxiproxy-node-client', () => {
  it('creates, lists, updates and deletes proxies and toxics as Toxiproxy does', async () => {
    await using upstream = await startEchoServer();
    await using server = await startProxyServer({ port: 0 });
    const client = new Toxiproxy(server.url);

    expect(JSON.parse(await client.getVersion())).toEqual({ version: expect.stringMatching(/^2\.\d+\.\d+/) });

    const proxy = await client.createProxy({ name: 'postgres', listen: '127.0.0.1:0', upstream: upstream.address });
    expect(proxy.name).toBe('postgres');
    expect(proxy.enabled).toBe(true);
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(proxy.listen).not.toBe('127.0.0.1:0');

    const toxic = await proxy.addToxic({ type: 'latency', attributes: { latency: 100, jitter: 5 } } as never);
    expect(toxic.toJson()).toEqual({
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 100, jitter: 5 },
    });
    // Updates merge: jitter keeps its value.
    const updated = await toxic.update({ attributes: { latency: 250 } } as never);
    expect(updated.attributes).toEqual({ latency: 250, jitter: 5 });
    expect((await proxy.getToxic('latency_downstream')).attributes).toEqual({ latency: 250, jitter: 5 });

    const all = await client.getAll();
    expect(Object.keys(all)).toEqual(['postgres']);
    expect(all.postgres!.upstream).toBe(upstream.address);
    expect(
      (await api<{ postgres: { toxics: unknown[] } }>(server, 'GET', '/proxies')).body.postgres.toxics,
    ).toHaveLength(1);

    const down = await proxy.update({ enabled: false } as never);
    expect(down.enabled).toBe(false);
    expect(down.listen).toBe(proxy.listen);

    await client.reset();
    const after = await client.get('postgres');
    expect(after.enabled).toBe(true);
    expect((await api(server, 'GET', '/proxies/postgres/toxics')).body).toEqual([]);

    const populated = await client.populate([
      { name: 'postgres', listen: after.listen, upstream: upstream.address },
      { name: 'redis', listen: '127.0.0.1:0', upstream: upstream.address },
    ]);
    expect(Object.keys(populated).sort()).toEqual(['postgres', 'redis']);
    expect(populated.postgres!.listen).toBe(after.listen);

    await populated.redis!.remove();
    expect(Object.keys(await client.getAll())).toEqual(['postgres']);
  });
});

describe('the fault proxy API status codes and error bodies', () => {
  it('answers 201/200/204/400/404/409 with {"error","status"} bodies sent as text/plain, as Go\'s http.Error does', async () => {
    await using upstream = await startEchoServer();
    await using server = await startProxyServer({ port: 0, warn: () => {} });
    const create = (body: unknown) => api(server, 'POST', '/proxies', body);

    const created = await create({ name: 'a', listen: '127.0.0.1:0', upstream: upstream.address });
    expect(created).toMatchObject({ status: 201, contentType: 'application/json' });
    const conflict = await create({ name: 'a', listen: '127.0.0.1:0', upstream: upstream.address });
    expect(conflict).toEqual({
      status: 409,
      body: { error: 'proxy already exists', status: 409 },
      text: '{"error":"proxy already exists","status":409}\n',
      contentType: 'text/plain; charset=utf-8',
    });
    expect(await create({ listen: '127.0.0.1:0', upstream: upstream.address })).toMatchObject({
      status: 400,
      body: { error: 'missing required field: name', status: 400 },
    });
    expect(await create({ name: 'b', listen: '127.0.0.1:0' })).toMatchObject({
      status: 400,
      body: { error: 'missing required field: upstream', status: 400 },
    });
    expect(await create('')).toMatchObject({ status: 400, text: '{"error":"bad request body: EOF","status":400}\n' });
    expect((await create('{not json')).body).toMatchObject({
      error: expect.stringMatching(/^bad request body: /),
      status: 400,
    });
    expect(await api(server, 'GET', '/proxies/nope')).toMatchObject({
      status: 404,
      body: { error: 'proxy not found', status: 404 },
    });
    expect(await api(server, 'GET', '/proxies/a/toxics/nope')).toMatchObject({
      status: 404,
      body: { error: 'toxic not found', status: 404 },
    });
    expect(await api(server, 'DELETE', '/proxies/a/toxics/nope')).toMatchObject({
      status: 404,
      body: { error: 'toxic not found', status: 404 },
    });

    const addToxic = (body: unknown) => api(server, 'POST', '/proxies/a/toxics', body);
    const added = await addToxic({ type: 'bandwidth', stream: 'upstream', attributes: { rate: 10 } });
    expect(added).toMatchObject({
      status: 200,
      body: {
        attributes: { rate: 10 },
        name: 'bandwidth_upstream',
        type: 'bandwidth',
        stream: 'upstream',
        toxicity: 1,
      },
    });
    expect(await addToxic({ type: 'bandwidth', stream: 'upstream', attributes: { rate: 10 } })).toMatchObject({
      status: 409,
      body: { error: 'toxic already exists', status: 409 },
    });
    // A taken name is answered before the attributes are read, as Toxiproxy does.
    expect(
      await addToxic({ type: 'latency', name: 'bandwidth_upstream', attributes: { latency: 'slow' } }),
    ).toMatchObject({ status: 409 });
    expect(await addToxic({ type: 'nope' })).toMatchObject({
      status: 400,
      body: { error: 'invalid toxic type', status: 400 },
    });
    expect(await addToxic({ type: 'latency', stream: 'sideways' })).toMatchObject({
      status: 400,
      body: { error: 'stream was invalid, can be either upstream or downstream', status: 400 },
    });
    // Type errors are still 400s, naming the field.
    expect((await addToxic({ type: 'latency', name: 'l', attributes: { latency: 'slow' } })).body).toMatchObject({
      error: expect.stringMatching(/attributes\.latency/),
    });
    expect((await addToxic({ type: 'latency', name: 'l', attributes: { latency: 1.5 } })).status).toBe(400);
    expect((await addToxic({ type: 'latency', name: 'l', toxicity: '1' })).body).toMatchObject({
      error: expect.stringMatching(/toxicity/),
    });

    // Defaults: toxicity 1, downstream, name <type>_<stream>, Go zero-value attributes.
    const defaults = await addToxic({ type: 'latency' });
    expect(defaults.body).toEqual({
      attributes: { latency: 0, jitter: 0 },
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
    });
    expect((await api(server, 'GET', '/proxies/a/toxics')).body).toHaveLength(2);

    expect((await api(server, 'PATCH', '/proxies/a/toxics/latency_downstream', { toxicity: 0.5 })).body).toMatchObject({
      toxicity: 0.5,
      attributes: { latency: 0, jitter: 0 },
    });
    expect((await api(server, 'DELETE', '/proxies/a/toxics/latency_downstream')).status).toBe(204);
    expect((await api(server, 'PATCH', '/proxies/a', { enabled: false })).body).toMatchObject({ enabled: false });
    expect((await api(server, 'POST', '/reset')).status).toBe(204);
    expect((await api(server, 'GET', '/proxies/a')).body).toMatchObject({ enabled: true, toxics: [] });
    expect((await api(server, 'DELETE', '/proxies/a')).status).toBe(204);
    expect((await api(server, 'DELETE', '/proxies/a')).status).toBe(404);
  });

  it('populate is all-or-nothing and accepts toxics (beyond Toxiproxy); its errors stay JSON with "proxies"', async () => {
    await using upstream = await startEchoServer();
    await using server = await startProxyServer({ port: 0, warn: () => {} });
    const bad = await api(server, 'POST', '/populate', [
      { name: 'ok', listen: '127.0.0.1:0', upstream: upstream.address },
      {
        name: 'broken',
        listen: '127.0.0.1:0',
        upstream: upstream.address,
        toxics: [{ type: 'latency', attributes: { latency: 'slow' } }],
      },
    ]);
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(/attributes\.latency/);
    expect((await api(server, 'GET', '/proxies')).body).toEqual({});

    const missing = await api(server, 'POST', '/populate', [{ name: 'x', listen: '127.0.0.1:0' }]);
    expect(missing.body).toEqual({ error: 'missing required field: upstream at proxy 1', status: 400, proxies: [] });
    expect(missing.contentType).toBe('application/json');

    const good = await api<{ proxies: { name: string; toxics: { name: string; stream: string }[] }[] }>(
      server,
      'POST',
      '/populate',
      [
        {
          name: 'pg',
          listen: '127.0.0.1:0',
          upstream: upstream.address,
          toxics: [{ type: 'latency', stream: 'both', attributes: { latency: 10 } }],
        },
      ],
    );
    expect(good.status).toBe(201);
    expect(good.body.proxies[0]!.toxics).toEqual([expect.objectContaining({ name: 'latency_both', stream: 'both' })]);
  });

  it('refuses browsers; an unknown path is gorilla/mux\'s plain "404 page not found", a wrong method 405 with no body', async () => {
    await using server = await startProxyServer({ port: 0 });
    const browser = await fetch(`${server.url}/proxies`, { headers: { 'user-agent': 'Mozilla/5.0' } });
    expect(browser.status).toBe(403);
    expect(await browser.text()).toBe('User agent not allowed\n');
    expect(await api(server, 'GET', '/nowhere')).toEqual({
      status: 404,
      body: '404 page not found\n',
      text: '404 page not found\n',
      contentType: 'text/plain; charset=utf-8',
    });
    expect((await api(server, 'GET', '/proxies/')).text).toBe('404 page not found\n');
    expect(await api(server, 'PUT', '/proxies')).toMatchObject({ status: 405, text: '' });
    // The 405 names the path's methods, in the order the API declares them.
    const allowed = async (method: string, path: string) =>
      (await fetch(`${server.url}${path}`, { method })).headers.get('allow');
    expect(await allowed('PUT', '/proxies')).toBe('GET, POST');
    expect(await allowed('PUT', '/proxies/a')).toBe('GET, POST, PATCH, DELETE');
    expect(await allowed('PUT', '/proxies/a/toxics/t')).toBe('GET, POST, PATCH, DELETE');
    expect(await allowed('DELETE', '/proxies/a/toxics')).toBe('GET, POST');
    expect(await allowed('GET', '/reset')).toBe('POST');
    expect(await allowed('POST', '/metrics')).toBe('GET');
    expect(await api(server, 'GET', '/version')).toMatchObject({
      text: expect.stringMatching(/^\{"version": "2\.12\.0\+rampart"\}\n$/),
    });
  });

  it('answers a listen on port 0 with the bound port, and a port in use with an error', async () => {
    await using upstream = await startEchoServer();
    await using server = await startProxyServer({ port: 0 });
    const first = await api<{ listen: string }>(server, 'POST', '/proxies', {
      name: 'a',
      listen: '127.0.0.1:0',
      upstream: upstream.address,
    });
    const taken = await api(server, 'POST', '/proxies', {
      name: 'b',
      listen: first.body.listen,
      upstream: upstream.address,
    });
    expect(taken.status).toBe(500);
    expect(taken.body).toMatchObject({ error: expect.stringMatching(/address already in use/) });
    expect((await api(server, 'GET', '/proxies')).body).not.toHaveProperty('b');
  });

  it('answers a path that does not percent-decode 400, as Go does, and goes on serving', async () => {
    await using server = await startProxyServer({ port: 0 });
    const raw = (path: string) =>
      new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
        const req = http.request(`${server.url}${path}`, { method: 'GET', agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
        });
        req.on('error', reject).end();
      });
    for (const path of ['/proxies/%zz', '/proxies/a%', '/nowhere/%E0%A4%A']) {
      expect(await raw(path)).toEqual({ status: 400, body: '400 Bad Request', connection: 'close' });
    }
    expect((await raw('/version')).status).toBe(200);
    expect((await raw('/proxies/a%20b')).status).toBe(404);
  });
});
