import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Small real HTTP servers on loopback for the engine's tests and benchmark:
 * a trivial one, a fixed-delay one, and one that stalls (answers nothing for
 * `stallMs` every `periodMs`, then everything at once).
 */
export interface LocalServer {
  url: string;
  requests(): number;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export type Behaviour =
  | { kind: 'trivial' }
  | { kind: 'fixed'; delayMs: number }
  | { kind: 'stall'; periodMs: number; stallMs: number }
  | { kind: 'status'; status: number };

export async function startLocalServer(behaviour: Behaviour): Promise<LocalServer> {
  let count = 0;
  const t0 = performance.now();
  const held: Array<http.ServerResponse> = [];
  const answer = (res: http.ServerResponse, status = 200) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': '11' });
    res.end('{"ok":true}');
  };
  let releaser: NodeJS.Timeout | undefined;
  if (behaviour.kind === 'stall') {
    // At the end of each stall window, answer everything held.
    const schedule = () => {
      const phase = (performance.now() - t0) % behaviour.periodMs;
      const untilRelease =
        phase < behaviour.stallMs ? behaviour.stallMs - phase : behaviour.periodMs - phase + behaviour.stallMs;
      releaser = setTimeout(() => {
        for (const res of held.splice(0)) answer(res);
        schedule();
      }, untilRelease);
    };
    schedule();
  }
  const server = http.createServer((req, res) => {
    count += 1;
    req.resume();
    req.on('end', () => {
      switch (behaviour.kind) {
        case 'trivial':
          return answer(res);
        case 'status':
          return answer(res, behaviour.status);
        case 'fixed':
          return void setTimeout(() => answer(res), behaviour.delayMs);
        case 'stall': {
          const phase = (performance.now() - t0) % behaviour.periodMs;
          if (phase < behaviour.stallMs) held.push(res);
          else answer(res);
        }
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.maxConnections = 20_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stop = async () => {
    if (releaser) clearTimeout(releaser);
    for (const res of held.splice(0)) answer(res);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${port}`, requests: () => count, stop, [Symbol.asyncDispose]: stop };
}

/** A test's own server listening on a free loopback port: its URL, and closed (connections and all) when disposed. */
export async function listenOnLoopback(
  server: http.Server,
): Promise<{ url: URL; [Symbol.asyncDispose](): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
