import type { Client as UndiciClient } from 'undici';
import { undiciSender, type Sender } from './dispatch.ts';
import { LeanPool } from './lean-connection.ts';

// undici loads with the first transport, not with the CLI (start-up).
const undici = () => import('undici');

/**
 * Where a VU's requests go, keep-alive and one request at a time per connection:
 * - shared: one undici Pool of N connections for the whole scenario (fewer connections than VUs; setup, teardown);
 * - per-VU: each VU owns one keep-alive connection, as real users do: a lean connection (lean-connection.ts)
 *   for http, an undici Client for https.
 */
export interface Transport {
  senderFor(vu: number): Sender;
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
const TRANSPORT_CLOSED = Object.assign(new Error('rampart closed the connection: the run ended'), {
  code: 'UND_ERR_DESTROYED',
});

const closedSender: Sender = { send: (_req, _readBody, done) => done(null, TRANSPORT_CLOSED) };

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
  const sender = undiciSender(pool);
  return {
    senderFor: () => sender,
    connections: () => pool.stats.connected,
    close: async () => {
      await pool.destroy(TRANSPORT_CLOSED).catch(() => undefined);
    },
  };
}

export async function perVuTransport(opts: TransportOptions): Promise<Transport> {
  const origin = new URL(opts.origin);
  if (origin.protocol === 'http:') {
    const pool = new LeanPool(origin, opts.timeoutMs, TRANSPORT_CLOSED);
    let closed = false;
    return {
      // After close, a late caller gets a closed connection: its request fails at once and nothing leaks.
      senderFor: (vu) => (closed ? closedSender : pool.connection(vu)),
      connections: () => pool.open(),
      close: async () => {
        closed = true;
        pool.close();
      },
    };
  }
  const { Client } = await undici();
  const clients = new Map<number, { client: UndiciClient; sender: Sender }>();
  let closed = false;
  return {
    senderFor(vu) {
      let c = clients.get(vu);
      if (!c) {
        const client = new Client(opts.origin, clientOptions(opts.timeoutMs));
        c = { client, sender: undiciSender(client) };
        // After close, a late caller gets a destroyed client: its request fails at once and nothing leaks.
        if (closed) void client.destroy(TRANSPORT_CLOSED).catch(() => undefined);
        else clients.set(vu, c);
      }
      return c.sender;
    },
    connections: () => {
      let n = 0;
      for (const { client } of clients.values()) if (!client.closed && !client.destroyed) n += 1;
      return n;
    },
    close: async () => {
      closed = true;
      await Promise.all(
        [...clients.values()].map(({ client }) => client.destroy(TRANSPORT_CLOSED).catch(() => undefined)),
      );
      clients.clear();
    },
  };
}
