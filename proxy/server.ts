import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigInvalidError, EnvironmentError, PortInUseError } from '../common/index.ts';
import { createApiHandler } from './api.ts';
import { ApiError } from './api-error.ts';
import { ProxyCollection } from './proxy-collection.ts';
import { createRandom } from './random.ts';
import { createValidation } from './validation.ts';

export interface ProxyServerOptions {
  host?: string;
  /** API port; 0 picks a free one. Toxiproxy's default is 8474. */
  port?: number;
  /** Seed of the random source behind toxicity rolls, jitter and slicing. */
  seed?: number;
  /** Proxies to create at start (the populate body / a proxies.json file). */
  proxies?: unknown[];
  /**
   * Refuse with 400 what Toxiproxy accepts but rampart finds suspect (negative
   * delays, toxicity outside 0–1, a slicer that cannot slice, "UPSTREAM"…).
   * Off by default: such input is accepted, as Toxiproxy does, with a warning.
   */
  strict?: boolean;
  /** The proxy's log of those warnings; default: lines on stderr. */
  warn?: (message: string) => void;
}

export interface StartedProxyServer {
  url: string;
  host: string;
  port: number;
  seed: number;
  readonly collection: ProxyCollection;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The Toxiproxy-compatible fault proxy, in this process (the CLI and main.ts use it). */
export async function startProxyServer(options: ProxyServerOptions = {}): Promise<StartedProxyServer> {
  const host = options.host ?? '127.0.0.1';
  const random = createRandom(options.seed);
  const collection = new ProxyCollection(random);
  const warn = options.warn ?? ((message: string) => process.stderr.write(`fault proxy: warning: ${message}\n`));
  const strict = options.strict ?? false;
  const server = http.createServer({ keepAliveTimeout: 60_000 }, createApiHandler(collection, { strict, warn }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES')
        reject(new PortInUseError(host, options.port ?? 8474, { cause: err }));
      else reject(err);
    });
    server.listen(options.port ?? 8474, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    collection.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  if (options.proxies && options.proxies.length > 0) {
    try {
      await collection.populate(
        options.proxies,
        createValidation(strict, (message) => warn(`config: ${message}`)),
      );
    } catch (err) {
      await stop();
      if (err instanceof ApiError && err.status >= 500) {
        throw new EnvironmentError(
          'RAMPART_PROXY_LISTEN_FAILED',
          `a configured proxy could not start: ${err.message}`,
          {
            hint: 'free that address or give the proxy another "listen" (port 0 picks a free one)',
          },
        );
      }
      if (err instanceof ApiError) {
        throw new ConfigInvalidError(`proxy config is invalid: ${err.message}`, {
          hint: 'fix the named field in the proxies file',
        });
      }
      throw err;
    }
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    seed: random.seed,
    collection,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
