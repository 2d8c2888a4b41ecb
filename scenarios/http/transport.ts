import type { Client as UndiciClient, Dispatcher } from 'undici';

// undici loads with the first transport, not with the CLI (start-up).
const undici = () => import('undici');

/**
 * Where a VU's requests go. undici 7 with keep-alive and pipelining 1:
 * - shared: one Pool of N connections for the whole scenario (open model, max-throughput runs);
 * - per-VU: each VU owns one keep-alive connection (a Client), as real users do (closed model).
 */
export interface Transport {
  dispatcherFor(vu: number): Dispatcher;
  /** Connections currently open (for the progress line and RSS-per-VU figures). */
  connections(): number;
  close(): Promise<void>;
}

export interface TransportOptions {
  origin: string;
  timeoutMs: number;
}

/**
 * The one error every connection is destroyed with when a transport closes. undici makes a new error per
 * client otherwise, and Node formats each one's stack trace as it destroys the socket: closing the 1,000
 * connections of a burst cost ~0.5 s of CPU in error objects alone.
 */
const TRANSPORT_CLOSED = Object.assign(new Error('rampart closed the connection: the run ended'), { code: 'UND_ERR_DESTROYED' });

const clientOptions = (timeoutMs: number) => ({
  pipelining: 1,
  keepAliveTimeout: 60_000,
  keepAliveMaxTimeout: 600_000,
  headersTimeout: timeoutMs,
  bodyTimeout: timeoutMs,
  connect: { timeout: Math.min(timeoutMs, 10_000) },
});

export async function sharedTransport(opts: TransportOptions & { connections: number }): Promise<Transport> {
  const { Pool } = await undici();
  const pool = new Pool(opts.origin, { ...clientOptions(opts.timeoutMs), connections: opts.connections });
  return {
    dispatcherFor: () => pool,
    connections: () => pool.stats.connected,
    close: async () => {
      await pool.destroy(TRANSPORT_CLOSED).catch(() => undefined);
    },
  };
}

export async function perVuTransport(opts: TransportOptions): Promise<Transport> {
  const { Client } = await undici();
  const clients = new Map<number, UndiciClient>();
  let closed = false;
  return {
    dispatcherFor(vu) {
      let c = clients.get(vu);
      if (!c) {
        c = new Client(opts.origin, clientOptions(opts.timeoutMs));
        // After close, a late caller gets a destroyed client: its request fails at once and nothing leaks.
        if (closed) void c.destroy(TRANSPORT_CLOSED).catch(() => undefined);
        else clients.set(vu, c);
      }
      return c;
    },
    connections: () => {
      let n = 0;
      for (const c of clients.values()) if (!c.closed && !c.destroyed) n += 1;
      return n;
    },
    close: async () => {
      closed = true;
      await Promise.all([...clients.values()].map((c) => c.destroy(TRANSPORT_CLOSED).catch(() => undefined)));
      clients.clear();
    },
  };
}
