import net from 'node:net';

/** What the conformance tests watch on a socket: each read (time, size) and how and when it closed. */
export interface Watched {
  readonly socket: net.Socket;
  readonly reads: { at: number; bytes: number }[];
  data(): Buffer;
  received(): number;
  /** 'end' (a FIN), an error code such as 'ECONNRESET', or 'close'; `at`, as each read's, is performance.now() less `t0`. */
  readonly closed: Promise<{ how: string; at: number }>;
}

export function watch(socket: net.Socket, t0 = 0): Watched {
  const reads: { at: number; bytes: number }[] = [];
  const parts: Buffer[] = [];
  socket.on('data', (d: Buffer) => {
    reads.push({ at: performance.now() - t0, bytes: d.length });
    parts.push(d);
  });
  const closed = new Promise<{ how: string; at: number }>((resolve) => {
    const done = (how: string) => resolve({ how, at: performance.now() - t0 });
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'error'));
    socket.once('end', () => done('end'));
    socket.once('close', () => done('close'));
  });
  return {
    socket,
    reads,
    data: () => Buffer.concat(parts),
    received: () => reads.reduce((n, r) => n + r.bytes, 0),
    closed,
  };
}

/** A TCP server on 127.0.0.1 whose accepted sockets are watched from the moment they connect. */
export async function upstreamServer(onConnection: (w: Watched) => void = () => {}) {
  const accepted: Watched[] = [];
  const waiting: ((w: Watched) => void)[] = [];
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    const w = watch(s);
    accepted.push(w);
    waiting.shift()?.(w);
    onConnection(w);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    address,
    /** The next accepted connection (or the one already accepted and not yet taken). */
    next(): Promise<Watched> {
      const ready = accepted.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve) => waiting.push((w) => resolve(accepted.splice(accepted.indexOf(w), 1)[0]!)));
    },
    async [Symbol.asyncDispose]() {
      server.close();
      for (const w of accepted) w.socket.destroy();
    },
  };
}

export async function dial(address: string, t0?: number): Promise<Watched> {
  const i = address.lastIndexOf(':');
  const socket = net.connect({
    host: address.slice(0, i),
    port: Number(address.slice(i + 1)),
    noDelay: true,
    allowHalfOpen: true,
  });
  socket.on('error', () => {});
  const w = watch(socket, t0);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return w;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds or `ms` pass; bounded, for data that should arrive. */
export async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}
