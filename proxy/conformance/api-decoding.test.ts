import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnderTest, type ProxyUnderTest } from './testing.ts';
import { upstreamServer } from './wire.ts';

/**
 * The API reads bodies as Toxiproxy's Go server does (encoding/json's Decoder)
 * and tags answers as its middleware does (calibrated by running this file
 * against the real server: see README).
 */
let under: ProxyUnderTest;
beforeAll(async () => {
  under = await startUnderTest();
});
afterAll(() => under.stop());

async function raw(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${under.url}${path}`, { method, body, headers });
  return { status: res.status, text: await res.text(), id: res.headers.get('x-toxiproxy-request-id') };
}

describe('JSON bodies, as Go decodes them', () => {
  it('matches keys whatever their case, and ignores what follows the first JSON value', async () => {
    await using upstream = await upstreamServer();
    const created = await raw(
      'POST',
      '/proxies',
      `{"Name":"cased","LISTEN":"127.0.0.1:0","UpStream":"${upstream.address}"} and then some`,
    );
    expect(created.status).toBe(201);
    expect(JSON.parse(created.text)).toMatchObject({ name: 'cased', upstream: upstream.address, enabled: true });
    const toxic = await raw(
      'POST',
      '/proxies/cased/toxics',
      '{"Type":"latency","Attributes":{"Latency":100,"JITTER":5}}{"more":1}',
    );
    expect(toxic.status).toBe(200);
    expect(JSON.parse(toxic.text)).toMatchObject({
      name: 'latency_downstream',
      attributes: { latency: 100, jitter: 5 },
    });
    // Of two spellings of one field, the last wins.
    const twice = await raw(
      'POST',
      '/proxies/cased/toxics',
      '{"type":"latency","name":"twice","attributes":{"latency":1,"LATENCY":7}}',
    );
    expect(JSON.parse(twice.text)).toMatchObject({ attributes: { latency: 7 } });
    const patched = await raw('PATCH', '/proxies/cased/toxics/twice', '{"ATTRIBUTES":{"jitter":2}} trailing');
    expect(patched.status).toBe(200);
    expect(JSON.parse(patched.text)).toMatchObject({ attributes: { latency: 7, jitter: 2 } });
  });

  it("refuses a fraction or an exponent for an integer attribute (100.0, 1e2), with Go's message", async () => {
    await using upstream = await upstreamServer();
    const { name } = await under.proxy(upstream.address);
    for (const spelling of ['100.0', '1e2', '1.5', '99999999999999999999']) {
      const res = await raw(
        'POST',
        `/proxies/${name}/toxics`,
        `{"type":"latency","attributes":{"latency":${spelling}}}`,
      );
      expect(res.status, spelling).toBe(400);
      expect(JSON.parse(res.text), spelling).toEqual({
        error: `bad request body: json: cannot unmarshal number ${spelling} into Go struct field LatencyToxic.attributes.latency of type int64`,
        status: 400,
      });
    }
    const slicer = await raw('POST', `/proxies/${name}/toxics`, '{"type":"slicer","attributes":{"delay":1.0}}');
    expect(JSON.parse(slicer.text).error).toBe(
      'bad request body: json: cannot unmarshal number 1.0 into Go struct field SlicerToxic.attributes.delay of type int',
    );
    expect(
      (await raw('POST', `/proxies/${name}/toxics`, '{"type":"latency","attributes":{"latency":100}}')).status,
    ).toBe(200);
    const update = await raw('PATCH', `/proxies/${name}/toxics/latency_downstream`, '{"attributes":{"jitter":2.5}}');
    expect(update.status).toBe(400);
    expect(JSON.parse(update.text).error).toMatch(
      /cannot unmarshal number 2.5 into Go struct field LatencyToxic.attributes.jitter of type int64/,
    );
    // toxicity is a float32: an exponent is fine there.
    expect((await raw('POST', `/proxies/${name}/toxics`, '{"type":"latency","name":"t","toxicity":1e0}')).status).toBe(
      200,
    );
  });

  it("refuses a body with a syntax error inside its first value, or none at all, in Go's words", async () => {
    const cases: [string, string][] = [
      ['', 'EOF'],
      ['{"name":"x"', 'unexpected EOF'],
      ['{"name":"x",}', "invalid character '}' looking for beginning of object key string"],
      ['{"name":01}', "invalid character '1' after object key:value pair"],
      ["{'name':1}", "invalid character '\\'' looking for beginning of object key string"],
      ['{"name" "x"}', `invalid character '"' after object key`],
      ['{"name":tru}', "invalid character '}' in literal true (expecting 'e')"],
      ['{"name":"a\\x"}', "invalid character 'x' in string escape code"],
      ['[1 2]', "invalid character '2' after array element"],
    ];
    for (const [body, message] of cases) {
      expect(await raw('POST', '/proxies', body), body).toMatchObject({
        status: 400,
        text: `${JSON.stringify({ error: `bad request body: ${message}`, status: 400 })}\n`,
      });
    }
  });

  it('refuses a field of the wrong JSON kind with Go\'s message, and takes null as "leave it as it was"', async () => {
    await using upstream = await upstreamServer();
    const { name } = await under.proxy(upstream.address);
    const cases: [string, string, string, string][] = [
      ['POST', '/proxies', '{"name":"q","upstream":1}', 'number into Go struct field Proxy.upstream of type string'],
      [
        'POST',
        '/proxies',
        '{"name":"q","upstream":"x:1","enabled":"yes"}',
        'string into Go struct field Proxy.enabled of type bool',
      ],
      [
        'POST',
        `/proxies/${name}/toxics`,
        '{"type":"latency","toxicity":"1"}',
        'string into Go struct field ToxicWrapper.toxicity of type float32',
      ],
      [
        'POST',
        `/proxies/${name}/toxics`,
        '{"type":"latency","attributes":{"latency":"100"}}',
        'string into Go struct field LatencyToxic.attributes.latency of type int64',
      ],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await raw(method, path, body);
      expect(res.status, body).toBe(400);
      expect(JSON.parse(res.text).error, body).toBe(`bad request body: json: cannot unmarshal ${message}`);
    }
    const nulls = await raw(
      'POST',
      `/proxies/${name}/toxics`,
      '{"type":"latency","name":"n","attributes":{"latency":null,"jitter":3}}',
    );
    expect(JSON.parse(nulls.text)).toMatchObject({ attributes: { latency: 0, jitter: 3 } });
    const kept = await raw('PATCH', `/proxies/${name}/toxics/n`, '{"attributes":{"jitter":null}}');
    expect(JSON.parse(kept.text)).toMatchObject({ attributes: { latency: 0, jitter: 3 } });
  });
});

describe("a proxy's JSON", () => {
  it("has Toxiproxy's fields in its order, the empty Logger Go writes included", async () => {
    await using upstream = await upstreamServer();
    const { name } = await under.proxy(upstream.address);
    const shown = await raw('GET', `/proxies/${name}`);
    expect(Object.keys(JSON.parse(shown.text))).toEqual(['name', 'listen', 'upstream', 'enabled', 'Logger', 'toxics']);
    expect(JSON.parse(shown.text).Logger).toEqual({});
  });
});

describe('X-Toxiproxy-Request-Id', () => {
  it('tags every answer of a known route, errors and the browser refusal included, with a fresh xid', async () => {
    const answers = [
      await raw('GET', '/version'),
      await raw('GET', '/proxies'),
      await raw('GET', '/proxies/nope'),
      await raw('POST', '/proxies', '{'),
      await raw('GET', '/proxies', undefined, { 'User-Agent': 'Mozilla/5.0' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 404, 400, 403]);
    for (const a of answers) expect(a.id).toMatch(/^[0-9a-v]{20}$/);
    expect(new Set(answers.map((a) => a.id)).size).toBe(answers.length);
  });

  it('is absent where gorilla/mux answers before any middleware: an unknown path, a wrong method', async () => {
    expect(await raw('GET', '/no/such/path')).toMatchObject({ status: 404, id: null });
    expect(await raw('PUT', '/proxies')).toMatchObject({ status: 405, id: null });
  });
});
