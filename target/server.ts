import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { EnvironmentError } from '../common/index.ts';
import type { TargetConfig } from './config.ts';
import { migrate } from './platform/migrate.ts';
import type { Logger } from './platform/logger.ts';
import { createRuntime } from './runtime.ts';
import type { Runtime, RuntimeOptions } from './runtime.ts';

/**
 * HTTP(S) server lifecycle: listen (TLS 1.2+ when a certificate is
 * configured), and a graceful stop that stops accepting, lets in-flight
 * requests finish (a real promise around server.close), cuts what is left
 * after the shutdown timeout, then closes pools.
 */
export interface RunningServer {
  readonly url: string;
  readonly server: http.Server;
  readonly runtime: Runtime;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function createHttpServer(config: TargetConfig, handler: http.RequestListener): Promise<http.Server> {
  // Idle keep-alive connections live KEEP_ALIVE_TIMEOUT (65 s): longer than a user's think time between
  // clicks, and than the 60 s idle timeout load balancers commonly use (the backend must outlive the
  // balancer's side, or the balancer reuses a connection the backend is closing). Clients honour the
  // Keep-Alive: timeout= hint, so a user's next request reuses its connection instead of opening one
  // (each new connection goes through the cluster primary). Idle sockets cost memory only.
  const common = { requestTimeout: 30_000, headersTimeout: 15_000, keepAliveTimeout: config.keepAliveTimeoutMs };
  if (!config.tls) return http.createServer(common, handler);
  const [cert, key] = await Promise.all([readFile(config.tls.certFile), readFile(config.tls.keyFile)]).catch(
    (err: unknown) => {
      throw new EnvironmentError(
        'TARGET_TLS_FILES_UNREADABLE',
        `cannot read TLS_CERT_FILE/TLS_KEY_FILE: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
          hint: 'point TLS_CERT_FILE and TLS_KEY_FILE at readable PEM files',
        },
      );
    },
  );
  return https.createServer({ ...common, cert, key, minVersion: 'TLSv1.2' }, handler);
}

export function listen(server: http.Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(
        err.code === 'EADDRINUSE'
          ? new EnvironmentError('RAMPART_PORT_IN_USE', `port ${port} on ${host} is already in use`, {
              cause: err,
              hint: 'stop whatever listens there, or set PORT (0 picks a free one)',
            })
          : err,
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Stops accepting, waits for in-flight requests up to timeoutMs, then closes the remaining sockets. */
export async function drain(server: http.Server, timeoutMs: number, logger?: Logger): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  // Keep-alive sockets that become idle after their last response must not hold the close open.
  const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
  const outcome = await Promise.race([closed.then(() => 'closed' as const), timedOut]);
  clearInterval(idleSweep);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    logger?.warn({ timeoutMs }, 'shutdown timeout: closing connections still in flight');
    server.closeAllConnections();
    await closed;
  }
}

export function urlOf(config: TargetConfig, addr: AddressInfo): string {
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `${config.tls ? 'https' : 'http'}://${host}:${addr.port}`;
}

/** Builds the runtime, listens, starts background services. Migrations are the caller's business. */
export async function serve(config: TargetConfig, opts: RuntimeOptions = {}): Promise<RunningServer> {
  const runtime = await createRuntime(config, opts);
  const server = await createHttpServer(config, runtime.app);
  let addr: AddressInfo;
  try {
    addr = await listen(server, config.host, config.port);
  } catch (err) {
    await runtime.stop();
    throw err;
  }
  await runtime.startBackground();
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      runtime.beginShutdown();
      await drain(server, config.shutdownTimeoutMs, runtime.deps.logger);
      await runtime.stop();
    })());
  return { url: urlOf(config, addr), server, runtime, stop, [Symbol.asyncDispose]: stop };
}

/**
 * The whole target in this process (one worker, no cluster): migrations, then
 * serve. For tests: `await using target = await startTarget(loadTargetConfig({...}))`.
 */
export async function startTarget(config: TargetConfig, opts: RuntimeOptions = {}): Promise<RunningServer> {
  await migrate(config.databaseUrl, { connectTimeoutMs: config.pg.connectTimeoutMs });
  return serve(config, opts);
}
