import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Toxiproxy, type ICreateProxyBody, type Latency, type Proxy } from 'toxiproxy-node-client';
import { getFreePort } from '../common/index.ts';
import { startProxyServer, type StartedProxyServer } from './server.ts';

/**
 * toxiproxy-node-client's own test suite (src/tests/*.spec.ts of its
 * repository, 18 cases written against the real Toxiproxy), ported to run
 * against rampart's proxy. Bodies, names and addresses are the suite's,
 * except that the fixed listen ports 9988/9987 are free ports here and each
 * "expect inside .catch" is an assertion that the call fails. No data is sent:
 * the upstreams (localhost:6379, somehost:12345…) are only configuration.
 */
let server: StartedProxyServer;
const warnings: string[] = [];

beforeAll(async () => {
  server = await startProxyServer({ port: 0, warn: (m) => warnings.push(m) });
});
afterAll(async () => {
  await server.stop();
});

/** The suite's TestHelper, against this server. */
const client = () => new Toxiproxy(server.url);
async function createProxy(name: string): Promise<{ proxy: Proxy; toxiproxy: Toxiproxy }> {
  const toxiproxy = client();
  const proxy = await toxiproxy.createProxy({ listen: 'localhost:0', name, upstream: 'localhost:6379' });
  return { proxy, toxiproxy };
}
async function createToxic<T>(proxy: Proxy, type: string, attributes: T) {
  return proxy.addToxic<T>({ attributes, type } as never);
}
async function removeAllProxies(): Promise<void> {
  const proxies = await client().getAll();
  for (const name of Object.keys(proxies)) await proxies[name]!.remove();
}

describe('Proxy.spec', () => {
  beforeAll(removeAllProxies);

  it('Proxy Should update a proxy', async () => {
    const { proxy } = await createProxy('update-proxy-test');
    const disabledProxy = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(disabledProxy.enabled).toBeFalsy();
    const updateUpstream = { enabled: true, listen: proxy.listen, upstream: 'somehost:12345' };
    const updatedUpstreamProxy = await proxy.update(updateUpstream);
    expect(updatedUpstreamProxy.enabled).toBeTruthy();
    expect(updatedUpstreamProxy.upstream).toBe(updateUpstream.upstream);
    await proxy.remove();
  });

  it('Proxy Should remove a proxy', async () => {
    const { proxy } = await createProxy('remove-test');
    await proxy.remove();
  });

  it('Creating the same proxy twice should result in an error', async () => {
    const { proxy } = await createProxy('duplicate');
    await expect(createProxy('duplicate')).rejects.toThrow('Request failed with status code 409');
    await proxy.remove();
  });
});

describe('Toxic.spec', () => {
  beforeAll(removeAllProxies);

  it('CRUD for Toxics', async () => {
    const { proxy } = await createProxy('remove-toxic-test');
    const toxic = await createToxic<Latency>(proxy, 'latency', { latency: 1000, jitter: 100 });
    expect(toxic.name).toBe('latency_downstream');
    expect(toxic.toxicity).toBe(1);
    expect(toxic.attributes.latency).toBe(1000);
    expect(toxic.attributes.jitter).toBe(100);

    const toxicFromServer = await proxy.getToxic<Latency>(toxic.name);
    expect(toxicFromServer.name).toBe(toxic.name);
    expect(toxicFromServer.type).toBe(toxic.type);
    expect(toxicFromServer.stream).toBe(toxic.stream);
    expect(toxicFromServer.toxicity).toBe(toxic.toxicity);

    const updatedToxic = await toxic.update({ attributes: { latency: 12345, jitter: 42 } } as never);
    expect(updatedToxic.attributes.latency).toBe(12345);
    expect(updatedToxic.attributes.jitter).toBe(42);

    await toxic.remove();
    await expect(proxy.getToxic('latency')).rejects.toThrow('Request failed with status code 404');
    await proxy.remove();
  });

  it('Creating the same Toxic twice should result in an error', async () => {
    const { proxy } = await createProxy('duplicate-toxic-test');
    await createToxic<Latency>(proxy, 'latency', { latency: 1000, jitter: 100 });
    await expect(createToxic<Latency>(proxy, 'latency', { latency: 1000, jitter: 100 })).rejects.toThrow(
      'Request failed with status code 409',
    );
    await proxy.remove();
  });
});

describe('ToxicTypes.spec', () => {
  beforeAll(removeAllProxies);

  const cases: [string, string, Record<string, number>][] = [
    ['Proxy Should add a latency toxic', 'latency', { latency: 1000, jitter: 100 }],
    ['Proxy Should add a bandwidth toxic', 'bandwidth', { rate: 1000 }],
    ['Proxy Should add a slowclose toxic', 'slow_close', { delay: 1000 }],
    ['Proxy Should add a timeout toxic', 'timeout', { timeout: 5 * 1000 }],
    // size_variation equal to average_size: Toxiproxy accepts it (its README says "should be smaller").
    ['Proxy Should add a slicer toxic', 'slicer', { average_size: 1000, delay: 1000, size_variation: 1000 }],
    ['Proxy Should add a reset_peer toxic', 'reset_peer', { timeout: 1000 }],
    ['Proxy Should add a limit_data toxic', 'limit_data', { bytes: 42 }],
  ];
  for (const [title, type, attributes] of cases) {
    it(title, async () => {
      const { proxy } = await createProxy(`add-${type}-toxic-test`);
      const toxic = await createToxic<Record<string, number>>(proxy, type, attributes);
      for (const [key, value] of Object.entries(attributes)) expect(toxic.attributes[key]).toBe(value);
      await proxy.remove();
    });
  }
});

describe('Toxiproxy.spec', () => {
  beforeAll(removeAllProxies);

  it('Toxiproxy Should create a proxy', async () => {
    const { proxy } = await createProxy('create-test');
    await proxy.remove();
  });

  it('Toxiproxy Should get a proxy', async () => {
    const { proxy: createdProxy, toxiproxy } = await createProxy('get-test');
    const fetchedProxy = await toxiproxy.get(createdProxy.name);
    expect(createdProxy.name).toBe(fetchedProxy.name);
    await createdProxy.remove();
  });

  it('Toxiproxy Should get version', async () => {
    await client().getVersion();
  });

  it('Toxiproxy Should reset', async () => {
    await client().reset();
  });

  it('Toxiproxy Should populate', async () => {
    const proxies = await client().populate([
      { listen: 'localhost:0', name: 'get-all-test', upstream: 'localhost:6379' },
    ]);
    await Promise.all(Object.keys(proxies).map((name) => proxies[name]!.remove()));
  });

  it('Toxiproxy Should get all proxies', async () => {
    const toxiproxy = client();
    const proxy1: ICreateProxyBody = {
      listen: `127.0.0.1:${await getFreePort()}`,
      name: 'get-all-test1',
      upstream: 'localhost:6379',
    };
    const proxy2: ICreateProxyBody = {
      listen: `127.0.0.1:${await getFreePort()}`,
      name: 'get-all-test2',
      upstream: 'localhost:12345',
    };
    await toxiproxy.populate([proxy1, proxy2]);
    await toxiproxy.getAll();
    const proxies = await toxiproxy.getAll();
    expect(Object.keys(proxies).length).toBe(2);
    expect(proxies[proxy1.name]!.name).toBe(proxy1.name);
    expect(proxies[proxy2.name]!.name).toBe(proxy2.name);
    expect(proxies[proxy1.name]!.listen).toBe(proxy1.listen);
    expect(proxies[proxy2.name]!.listen).toBe(proxy2.listen);
    expect(proxies[proxy1.name]!.upstream).toBe(proxy1.upstream);
    expect(proxies[proxy2.name]!.upstream).toBe(proxy2.upstream);
  });
});

describe('after the suite', () => {
  it('the only warning logged was for the slicer whose size_variation is not below average_size', () => {
    expect(warnings).toEqual([
      expect.stringMatching(/attributes\.size_variation: must be smaller than average_size \(got 1000 >= 1000\)/),
    ]);
  });
});
