import net from 'node:net';
import { startProxyServer } from './server.ts';

/** Helpers for the proxy's tests: real servers on loopback ports, real sockets. */

export interface TcpServer {
  address: string;
  port: number;
  connections: Set<net.Socket>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startTcpServer(onConnection: (s: net.Socket) => void): Promise<TcpServer> {
  const connections = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (s) => {
    connections.add(s);
    s.on('close', () => connections.delete(s));
    s.on('error', () => {});
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  const close = async () => {
    for (const s of connections) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { address: `127.0.0.1:${port}`, port, connections, close, [Symbol.asyncDispose]: close };
}

/** Echoes every byte back. */
export const startEchoServer = () => startTcpServer((s) => s.pipe(s));

export async function connect(address: string): Promise<net.Socket> {
  const i = address.lastIndexOf(':');
  const socket = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)), noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

/** Resolves with how the socket ended: 'end' (FIN), an error code (ECONNRESET), or 'close'. */
export function closedHow(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    socket.once('end', () => resolve('end'));
    socket.once('close', () => resolve('close'));
  });
}

/** Reads until `bytes` bytes arrived (or the socket ended); returns them and the time it took. */
export function readBytes(socket: net.Socket, bytes: number): Promise<{ data: Buffer; ms: number; chunks: number }> {
  const start = performance.now();
  const parts: Buffer[] = [];
  let total = 0;
  return new Promise((resolve) => {
    const done = () => {
      socket.off('data', onData);
      resolve({ data: Buffer.concat(parts), ms: performance.now() - start, chunks: parts.length });
    };
    const onData = (d: Buffer) => {
      parts.push(d);
      total += d.length;
      if (total >= bytes) done();
    };
    socket.on('data', onData);
    socket.once('end', done);
    socket.once('close', done);
  });
}

export interface ApiAnswer<T> {
  status: number;
  /** The body parsed as JSON (error bodies are JSON too, sent as text/plain); the text when it is not JSON. */
  body: T;
  text: string;
  contentType: string | null;
}

export async function api<T = unknown>(
  server: { url: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
  });
  const text = await res.text();
  let parsed: unknown = text === '' ? undefined : text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T, text, contentType: res.headers.get('content-type') };
}

/** A proxy server plus one proxy named `name` in front of `upstream`; returns the proxy's listen address. */
export async function proxyTo(
  upstream: string,
  options: { seed?: number; toxics?: unknown[]; warn?: (message: string) => void } = {},
) {
  const server = await startProxyServer({ port: 0, seed: options.seed ?? 42, warn: options.warn ?? (() => {}) });
  const created = await api<{ listen: string }>(server, 'POST', '/proxies', {
    name: 'p',
    listen: '127.0.0.1:0',
    upstream,
    toxics: options.toxics,
  });
  if (created.status !== 201) throw new Error(`proxy not created: ${JSON.stringify(created.body)}`);
  return { server, listen: created.body.listen, [Symbol.asyncDispose]: () => server.stop() };
}
