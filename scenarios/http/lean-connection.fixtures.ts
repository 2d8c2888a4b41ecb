// Fixtures of the lean connection's tests (lean-connection-*.test.ts): real servers on loopback — node:http
// servers, and raw node:net servers that write exact bytes (chunk boundaries, interim responses, malformed or
// cut-short responses) — and calls through perVuTransport, as the engine makes them, that fail a test instead
// of hanging it. Each test file calls useLeanFixtures() once.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect } from 'vitest';
import type { RawRequest, RawResponse, Sender } from './dispatch.ts';
import { perVuTransport, type Transport } from './transport.ts';

export type CodedError = Error & { code?: string };
export interface Outcome {
  res: RawResponse | null;
  err: CodedError | null;
  ms: number;
}

const cleanups: Array<() => Promise<void> | void> = [];
/** Calls whose `done` ran more than once (the Sender contract is exactly once). */
let extraDone = 0;

/** Registers, in the calling test file, the clean-up after each test: servers and transports closed, and no `done` called twice. */
export function useLeanFixtures(): void {
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    expect(extraDone).toBe(0);
    extraDone = 0;
  });
}

export async function transport(origin: string, timeoutMs = 5_000): Promise<Transport> {
  const t = await perVuTransport({ origin, timeoutMs });
  cleanups.push(() => t.close());
  return t;
}

/** One request through a sender, as a promise; a call that never ends fails the test after `boundMs` instead of hanging it. */
export function call(
  sender: Sender,
  req: Partial<RawRequest> & { path: string },
  readBody = true,
  boundMs = 5_000,
): Promise<Outcome> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    let calls = 0;
    const bound = setTimeout(
      () => reject(new Error(`${req.method ?? 'GET'} ${req.path} did not end within ${boundMs} ms`)),
      boundMs,
    );
    sender.send({ method: 'GET', headers: {}, body: null, ...req }, readBody, (res, err) => {
      calls += 1;
      if (calls > 1) {
        extraDone += 1;
        return;
      }
      clearTimeout(bound);
      resolve({ res, err: err as CodedError | null, ms: performance.now() - t0 });
    });
  });
}

/** A call that must have been answered: its response. */
export async function ok(
  sender: Sender,
  req: Partial<RawRequest> & { path: string },
  readBody = true,
): Promise<RawResponse> {
  const out = await call(sender, req, readBody);
  expect(out.err).toBeNull();
  return out.res as RawResponse;
}

/** A call that must have failed: its error. */
export async function fails(
  sender: Sender,
  req: Partial<RawRequest> & { path: string },
  boundMs = 5_000,
): Promise<Outcome & { err: CodedError }> {
  const out = await call(sender, req, true, boundMs);
  expect(out.res).toBeNull();
  expect(out.err).toBeInstanceOf(Error);
  return out as Outcome & { err: CodedError };
}

export async function waitFor(what: string, cond: () => boolean, boundMs = 3_000): Promise<void> {
  const until = performance.now() + boundMs;
  while (!cond()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export interface HttpServer {
  origin: string;
  server: http.Server;
  /** TCP connections the server accepted. */
  connections: number;
  /** Server-side sockets still open. */
  open: number;
}

export async function httpServer(handler: http.RequestListener): Promise<HttpServer> {
  const server = http.createServer(handler);
  const out: HttpServer = { origin: '', server, connections: 0, open: 0 };
  server.on('connection', (socket: net.Socket) => {
    out.connections += 1;
    out.open += 1;
    socket.on('close', () => (out.open -= 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  out.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return out;
}

export interface RawServer {
  origin: string;
  connections: number;
  /** Request heads received, in order, with the index (0-based) of the connection each came on. */
  requests: Array<{ head: string; conn: number }>;
}

/**
 * A server that writes exact bytes: `onRequest` gets each request head (requests without bodies) and the socket
 * it came on, and answers however it likes (or never).
 */
export async function rawServer(
  onRequest: (socket: net.Socket, head: string, n: number) => void | Promise<void>,
): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const out: RawServer = { origin: '', connections: 0, requests: [] };
  const server = net.createServer((socket) => {
    const conn = out.connections;
    out.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        out.requests.push({ head, conn });
        void onRequest(socket, head, out.requests.length - 1);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  out.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return out;
}

export const pathOf = (head: string) => head.split(' ')[1];
export const okBytes = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

/** A server answering every request with `/path` as its body. */
export const echoPathServer = () => httpServer((req, res) => res.end(req.url));
/** Writes `parts` to the socket one by one, `gapMs` apart (so they arrive as separate TCP chunks). */
export async function writeInParts(socket: net.Socket, parts: string[], gapMs: number): Promise<void> {
  for (const p of parts) {
    socket.write(p);
    await sleep(gapMs);
  }
}
