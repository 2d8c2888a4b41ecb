import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { forHttp, getFreePort, waitFor } from '../../common/index.ts';
import { startProxyServer } from '../server.ts';
import { api, type ApiAnswer } from '../testing.ts';
import { loadConformanceConfig } from './conformance-config.ts';

/**
 * The server the conformance suite talks to: rampart's proxy, or — with
 * TOXIPROXY_CONFORMANCE_BIN naming a toxiproxy-server binary — the real
 * Toxiproxy, so that the same tests, with the same bounds, show what the
 * reference does. Only the HTTP API and real sockets on 127.0.0.1 are used.
 */
export interface ProxyUnderTest {
  readonly kind: 'rampart' | 'toxiproxy';
  readonly url: string;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>>;
  /** A new proxy in front of `upstream`, with these toxics added in order; its name and listen address. */
  proxy(upstream: string, toxics?: Record<string, unknown>[]): Promise<{ name: string; listen: string }>;
  stop(): Promise<void>;
}

let proxies = 0;

export async function startUnderTest(): Promise<ProxyUnderTest> {
  const { toxiproxyBin } = loadConformanceConfig();
  const base = toxiproxyBin ? await startToxiproxy(toxiproxyBin) : await startRampart();
  const under: ProxyUnderTest = {
    ...base,
    api: (method, path, body) => api(base, method, path, body),
    async proxy(upstream, toxics = []) {
      const name = `c${++proxies}`;
      const created = await under.api<{ listen: string }>('POST', '/proxies', {
        name,
        listen: '127.0.0.1:0',
        upstream,
      });
      if (created.status !== 201) throw new Error(`proxy not created: ${created.text}`);
      for (const toxic of toxics) {
        const added = await under.api('POST', `/proxies/${name}/toxics`, toxic);
        if (added.status !== 200) throw new Error(`toxic not added: ${added.text}`);
      }
      return { name, listen: created.body.listen };
    },
  };
  return under;
}

async function startRampart(): Promise<Omit<ProxyUnderTest, 'api' | 'proxy'>> {
  const server = await startProxyServer({ port: 0, seed: 42, warn: () => {} });
  return { kind: 'rampart', url: server.url, stop: () => server.stop() };
}

async function startToxiproxy(bin: string): Promise<Omit<ProxyUnderTest, 'api' | 'proxy'>> {
  const port = await getFreePort();
  const child = spawn(bin, ['-host', '127.0.0.1', '-port', String(port), '-seed', '42'], { stdio: 'ignore' });
  let exited: Error | undefined;
  child.once('exit', (code) => (exited = new Error(`${bin} exited (${code})`)));
  child.once('error', (err) => (exited = err));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(forHttp(`${url}/version`), { timeoutMs: 10_000, intervalMs: 50, abortIf: () => exited });
  return {
    kind: 'toxiproxy',
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
