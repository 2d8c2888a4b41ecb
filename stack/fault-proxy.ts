import { Toxiproxy } from 'toxiproxy-node-client';
import { EnvironmentError, waitFor, type WaitStrategy } from '../common/index.ts';
import { startProxyProcess, type StartedProxyProcess } from '../proxy/index.ts';
import { isAlive } from './child.ts';
import type { ExitInfo } from './types.ts';

/** The dependencies the target reaches through the fault proxy, by Toxiproxy proxy name. */
export interface ProxiedUpstreams {
  postgres: string;
  redis: string;
}

/** `host:port` of a postgres:// or redis:// URL. */
export function hostPort(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol.startsWith('redis') ? '6379' : '5432');
  return `${u.hostname}:${port}`;
}

/** The same URL pointing at another `host:port` (credentials, path and query kept). */
export function viaListen(url: string, listen: string): string {
  const u = new URL(url);
  const idx = listen.lastIndexOf(':');
  u.hostname = listen.slice(0, idx);
  u.port = listen.slice(idx + 1);
  return u.toString();
}

function forToxiproxy(url: string): WaitStrategy {
  return {
    description: `the fault proxy API at ${url}`,
    async check() {
      const res = await fetch(`${url}/version`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return res.ok;
    },
  };
}

/**
 * The fault proxy of a managed stack: proxy/'s Toxiproxy-compatible server as its
 * own process, with proxies `postgres` and `redis` in front of the real servers.
 * A restart comes back on the same API port and the same listen ports, so the
 * target's URLs stay valid. Like every server of the stack it reports an exit
 * nobody asked for (onExit); stop, kill and restart are asked for.
 */
export class FaultProxy {
  #process: StartedProxyProcess | undefined;
  #expectExit = false;
  #exitListeners: Array<(info: ExitInfo) => void> = [];
  #listens = new Map<string, string>();
  #apiPort = 0;
  #upstreams: ProxiedUpstreams | undefined;
  readonly log: ((line: string) => void) | undefined;

  constructor(log?: (line: string) => void) {
    this.log = log;
  }

  get url(): string {
    return this.#process?.url ?? '';
  }

  get pid(): number {
    return this.#process?.pid ?? -1;
  }

  /** `listen` address (host:port) of a proxy. */
  listen(name: keyof ProxiedUpstreams): string {
    const l = this.#listens.get(name);
    if (!l) throw new Error(`proxy ${name} not created`);
    return l;
  }

  /** Called when the proxy process exits without having been asked to (a crash, a kill from outside). */
  onExit(cb: (info: ExitInfo) => void): void {
    this.#exitListeners.push(cb);
  }

  /** Starts the proxy process (its API answers, no proxies yet). */
  async startProcess(): Promise<void> {
    const started = await startProxyProcess({ host: '127.0.0.1', port: this.#apiPort, log: this.log });
    this.#process = started;
    this.#expectExit = false;
    this.#apiPort = Number(new URL(started.url).port);
    started.onExit(({ pid, code, signal }) => {
      if (this.#expectExit || this.#process !== started) return;
      for (const cb of this.#exitListeners) cb({ component: 'proxy', pid, code, signal });
    });
  }

  /** Creates (or re-creates after a restart, on the same listen ports) the proxies `postgres` and `redis`. */
  async createProxies(upstreams: ProxiedUpstreams): Promise<void> {
    this.#upstreams = upstreams;
    const client = new Toxiproxy(this.url);
    for (const name of ['postgres', 'redis'] as const) {
      const proxy = await client
        .createProxy({
          name,
          listen: this.#listens.get(name) ?? '127.0.0.1:0',
          upstream: hostPort(upstreams[name]),
        })
        .catch((err: unknown) => {
          throw new EnvironmentError(
            'RAMPART_PROXY_SETUP_FAILED',
            `could not create the fault proxy "${name}": ${(err as Error).message}`,
            { cause: err },
          );
        });
      this.#listens.set(name, proxy.listen);
    }
  }

  async stop(): Promise<void> {
    this.#expectExit = true;
    await this.#process?.stop();
  }

  async kill(): Promise<void> {
    this.#expectExit = true;
    await this.#process?.kill();
  }

  signal(sig: NodeJS.Signals): void {
    if (this.#process && isAlive(this.#process.pid)) process.kill(this.#process.pid, sig);
  }

  async restart(): Promise<void> {
    if (this.#process && isAlive(this.#process.pid)) {
      this.signal('SIGCONT');
      this.#expectExit = true;
      await this.#process.stop();
    }
    await this.startProcess();
    if (this.#upstreams) await this.createProxies(this.#upstreams);
  }

  async waitReady(timeoutMs: number): Promise<void> {
    await waitFor(forToxiproxy(this.url), { timeoutMs, intervalMs: 50 });
  }
}
