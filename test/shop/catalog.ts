/**
 * The catalog service of the shop test system (its own process, so a drill can freeze it with kill -STOP):
 * 200 items and the orders, in memory; an order whose x-deadline (epoch ms) has passed is refused. Started as `node --import tsx test/shop/catalog.ts`; prints
 * "catalog listening on PORT" once it answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

const items = new Map(
  Array.from({ length: 200 }, (_, i) => [String(i), { id: String(i), name: `item ${i}`, price: 100 + i }]),
);
const orders = new Map<string, { id: string; item: string }>();

const send = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://catalog');
  const [, collection, id] = url.pathname.split('/');
  if (req.method === 'GET' && collection === 'items' && id === undefined) return send(res, 200, [...items.values()]);
  if (req.method === 'GET' && collection === 'items') {
    const item = items.get(id ?? '');
    return item ? send(res, 200, item) : send(res, 404, { title: 'no such item' });
  }
  if (req.method === 'GET' && collection === 'orders') {
    const order = orders.get(id ?? '');
    return order ? send(res, 200, order) : send(res, 404, { title: 'no such order' });
  }
  if (req.method === 'POST' && collection === 'orders') {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      // Deadline propagation (as gRPC does): a request its caller gave up on is not carried out. A frozen
      // catalog thawed later answers such requests 504 and stores nothing.
      const deadline = Number(req.headers['x-deadline']);
      if (deadline > 0 && Date.now() > deadline) return send(res, 504, { title: 'deadline exceeded' });
      const { id: given, item } = JSON.parse(body || '{}') as { id?: string; item?: string };
      const order = { id: given ?? randomUUID(), item: String(item ?? '0') };
      orders.set(order.id, order);
      send(res, 201, order);
    });
    return undefined;
  }
  return send(res, 404, { title: 'not found' });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`catalog listening on ${(server.address() as AddressInfo).port}\n`);
});
// Ends with its parent (the test), never left behind.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
