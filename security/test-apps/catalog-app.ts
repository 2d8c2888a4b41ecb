import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';

/**
 * A SMALL CATALOGUE API WITHOUT REGISTRATION, for the scanner's own tests only — never deploy it. Shaped like
 * the APIs a scan meets as they are: no OpenAPI document (an HTML page and a script name the routes), no way
 * to sign up; two existing customers who log in (POST /api/login → a bearer token) or present an API key
 * (`x-api-key`), and public reads of the catalogue.
 *
 * Planted flaws (`hardened: false`): an SQL error on a quote in the public search (`GET /api/search?q=`),
 * any customer reads any order (BOLA on `GET /api/orders/{id}`), X-Powered-By, no rate limit.
 * `hardened: true` fixes each one: a scan must find nothing ≥ medium.
 * `crashOnQuote: true` closes the server when the search gets a quote (a probe that kills the target).
 */
export interface CatalogApp extends AsyncDisposable {
  url: string;
  /** The two customers: e-mail, password and API key. */
  customers: { email: string; password: string; apiKey: string }[];
  orders: Map<string, { id: string; owner: string; item: string }>;
  stop(): Promise<void>;
}

export async function startCatalogApp(opts: { hardened: boolean; crashOnQuote?: boolean }): Promise<CatalogApp> {
  const customers = ['ann', 'bob'].map((n) => ({
    email: `${n}@catalog.test`,
    password: `${n}-Pw-${randomBytes(4).toString('hex')}`,
    apiKey: `key-${n}-${randomBytes(12).toString('hex')}`,
  }));
  const tokens = new Map<string, string>();
  const items = [
    { id: 1, name: 'lamp' },
    { id: 2, name: 'chair' },
    { id: 3, name: 'desk' },
  ];
  const orders = new Map<string, { id: string; owner: string; item: string }>([
    ['1', { id: '1', owner: 'ann@catalog.test', item: 'lamp' }],
  ]);
  let nextOrder = 2;
  const hits = new Map<string, { n: number; since: number }>();
  let server: Server | null = null;
  const app = express();
  if (opts.hardened) app.disable('x-powered-by');
  app.use((_req, res, next) => {
    if (opts.hardened) res.set({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' });
    next();
  });
  app.use(express.json({ limit: '100kb' }));
  const who = (req: Request): string | null => {
    const key = req.get('x-api-key');
    const byKey = customers.find((c) => c.apiKey === key);
    if (byKey) return byKey.email;
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    return bearer ? (tokens.get(bearer) ?? null) : null;
  };
  if (opts.hardened) {
    app.use((req, res, next) => {
      const k = who(req) ?? req.socket.remoteAddress ?? '?';
      const now = Date.now();
      const h = hits.get(k);
      if (!h || now - h.since > 5000) hits.set(k, { n: 1, since: now });
      else if ((h.n += 1) > 120)
        return void res.status(429).set('retry-after', '5').json({ error: 'too many requests' });
      next();
    });
  }
  const auth = (req: Request, res: Response, next: NextFunction) => {
    const email = who(req);
    if (!email) return void res.status(401).json({ error: 'log in first' });
    res.locals.email = email;
    next();
  };
  app.get(
    '/',
    (_req, res) => void res.type('html').send('<!doctype html><title>Catalog</title><script src="/app.js"></script>'),
  );
  app.get(
    '/app.js',
    (_req, res) =>
      void res
        .type('application/javascript')
        .send(
          [
            "const list = () => fetch('/api/items');",
            "const one = (id) => fetch('/api/items/1');",
            "const search = (q) => fetch('/api/search?q=' + q);",
            "http.post('/api/login', { email, password });",
            "http.post('/api/orders', {});",
            "const order = () => fetch('/api/orders/1');",
            "http.delete('/api/orders/1');",
          ].join('\n'),
        ),
  );
  app.post('/api/login', (req, res) => {
    const c = customers.find((x) => x.email === req.body?.email && x.password === req.body?.password);
    if (!c) return void res.status(401).json({ error: 'wrong e-mail or password' });
    const token = randomBytes(24).toString('hex');
    tokens.set(token, c.email);
    res.json({ token });
  });
  app.get('/api/items', (_req, res) => void res.json({ items }));
  app.get('/api/items/:id', (req, res) => {
    const item = items.find((i) => String(i.id) === req.params.id);
    if (!item) return void res.status(404).json({ error: 'no such item' });
    res.json(item);
  });
  app.get('/api/search', (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    if (q.includes("'") && opts.crashOnQuote) {
      res.destroy();
      server?.closeAllConnections();
      server?.close();
      return;
    }
    // The planted flaw: the query is built from the text, so a quote breaks it.
    if (!opts.hardened && (q.split("'").length - 1) % 2 === 1)
      return void res.status(500).type('text').send(`SQLITE_ERROR: unrecognized token: "'${q}"`);
    res.json({ items: items.filter((i) => i.name.includes(q)) });
  });
  app.post('/api/orders', auth, (_req, res) => {
    const id = String(nextOrder++);
    orders.set(id, { id, owner: res.locals.email as string, item: 'lamp' });
    res.status(201).json({ id, item: 'lamp' });
  });
  app.get('/api/orders/:id', auth, (req, res) => {
    const o = orders.get(String(req.params.id));
    if (!o || (opts.hardened && o.owner !== res.locals.email))
      return void res.status(404).json({ error: 'no such order' });
    res.json(o);
  });
  app.delete('/api/orders/:id', auth, (req, res) => {
    const o = orders.get(String(req.params.id));
    if (!o || o.owner !== res.locals.email) return void res.status(404).json({ error: 'no such order' });
    orders.delete(o.id);
    res.status(204).end();
  });
  app.use((_req, res) => void res.status(404).json({ error: 'not found' }));
  app.use(
    (err: { status?: number }, _req: Request, res: Response, _next: NextFunction) =>
      void res.status(err.status && err.status < 500 ? err.status : 400).json({ error: 'bad request' }),
  );
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as { port: number };
  const stop = () =>
    new Promise<void>((r) => {
      server?.closeAllConnections();
      server?.close(() => r());
      if (!server?.listening) r();
    });
  return { url: `http://127.0.0.1:${port}`, customers, orders, stop, [Symbol.asyncDispose]: stop };
}
