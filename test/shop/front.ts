import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * The front service of the shop test system: what its users call, and what calls the catalog (through a
 * fault proxy). Two builds of the same API:
 * - hardened: items from a snapshot of the catalog refreshed every second (served while the catalog is
 *   away), catalog calls with short timeouts, an order acknowledged only once the catalog stored it
 *   (503 + Retry-After otherwise);
 * - fragile: every read goes to the catalog (502 when it fails), and an order is acknowledged at once
 *   and forwarded afterwards — dropped when the catalog does not take it: an acknowledged write lost.
 */
export type FrontMode = 'hardened' | 'fragile';

export interface ShopFront {
  url: string;
  /** Orders the front acknowledged and then failed to forward (fragile only). */
  dropped: string[];
  /** Calls to its admin endpoint (PUT/DELETE /admin/flags/NAME), in order, for http faults. */
  adminCalls: string[];
  stop(): Promise<void>;
}

/** A catalog call that gives up after timeoutMs, and tells the catalog so (x-deadline: what it waits no longer for). */
async function call(url: string, timeoutMs: number, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  const headers = {
    ...(init.headers as Record<string, string> | undefined),
    'x-deadline': String(Date.now() + timeoutMs - 100),
  };
  const res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

export async function startShopFront(mode: FrontMode, catalogUrl: string): Promise<ShopFront> {
  const snapshot = new Map<string, string>();
  const dropped: string[] = [];
  const adminCalls: string[] = [];
  let refreshing = false;
  const refresh = async () => {
    if (refreshing) return;
    refreshing = true;
    try {
      const r = await call(`${catalogUrl}/items`, 500);
      if (r.status === 200)
        for (const item of JSON.parse(r.body) as Array<{ id: string }>) snapshot.set(item.id, JSON.stringify(item));
    } catch {
      // The catalog is away: keep serving the last snapshot.
    } finally {
      refreshing = false;
    }
  };
  if (mode === 'hardened') await refresh();
  const timer = mode === 'hardened' ? setInterval(() => void refresh(), 1000) : null;

  const send = (res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };
  const unavailable = (res: http.ServerResponse) =>
    send(res, 503, '{"title":"catalog unavailable"}', { 'retry-after': '1' });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    const [, collection, id] = url.pathname.split('/');
    const relay = async (path: string, timeoutMs: number, init?: RequestInit) => {
      try {
        const r = await call(`${catalogUrl}${path}`, timeoutMs, init);
        send(res, r.status, r.body);
      } catch {
        if (mode === 'hardened') unavailable(res);
        else send(res, 502, '{"title":"bad gateway"}');
      }
    };
    if (collection === 'admin' && id === 'flags' && (req.method === 'PUT' || req.method === 'DELETE')) {
      adminCalls.push(`${req.method} ${url.pathname}`);
      res.writeHead(204).end();
      return undefined;
    }
    if (req.method === 'GET' && collection === 'items' && id !== undefined) {
      const cached = mode === 'hardened' ? snapshot.get(id) : undefined;
      if (cached) return send(res, 200, cached);
      return void relay(`/items/${id}`, mode === 'hardened' ? 300 : 2000);
    }
    if (req.method === 'GET' && collection === 'orders' && id !== undefined) return void relay(`/orders/${id}`, 2000);
    if (req.method === 'POST' && collection === 'orders') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const order = JSON.parse(body || '{}') as { item?: string };
        if (mode === 'hardened') {
          void relay('/orders', 1000, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(order),
          });
          return;
        }
        const orderId = randomUUID();
        send(res, 201, JSON.stringify({ id: orderId, item: order.item }));
        call(`${catalogUrl}/orders`, 1000, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: orderId, item: order.item }),
        })
          .then((r) => {
            if (r.status !== 201) dropped.push(orderId);
          })
          .catch(() => dropped.push(orderId));
      });
      return undefined;
    }
    return send(res, 404, '{"title":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    dropped,
    adminCalls,
    async stop() {
      if (timer) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
