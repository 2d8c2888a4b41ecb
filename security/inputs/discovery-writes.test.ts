import type { Server } from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { parseAuthConfig } from '../auth-config.ts';
import { detectCatchAll } from '../catch-all.ts';
import { ScanHttpClient } from '../http.ts';
import { runScan } from '../run-scan.ts';
import { templatePath } from './doc-builder.ts';
import { discoverFromPage } from './page-discovery.ts';

/**
 * A page whose script names writes (a checkout POST, a settings PUT, a DELETE on a templated path, one made-up POST)
 * under a prefix that answers unknown paths, any method, with an error of its own. Every request is recorded:
 * discovery must send nothing but GET/HEAD/OPTIONS, and so must a --read-only scan.
 */
const SCRIPT = `
  http.post("/rest/orders/checkout", {});
  http.put("/rest/settings/\${id}", s);
  http.delete(\`/rest/cart/\${id}\`);
  http.post("/rest/web3/submitKey", k);
  http.get("/rest/orders");
`;

async function startWriteApp(): Promise<{ url: string; calls: string[]; stop: () => Promise<void> } & AsyncDisposable> {
  const calls: string[] = [];
  const app = express();
  app.use((req, _res, next) => {
    calls.push(`${req.method} ${req.path}`);
    next();
  });
  app.get(
    '/',
    (_req, res) =>
      void res.type('html').send('<!doctype html><html><body><script src="/main.js"></script></body></html>'),
  );
  app.get('/main.js', (_req, res) => void res.type('application/javascript').send(SCRIPT));
  app.post('/rest/orders/checkout', (_req, res) => void res.status(201).json({ ordered: true }));
  app.put('/rest/settings/:id', (_req, res) => void res.json({ saved: true }));
  app.delete('/rest/cart/:id', (_req, res) => void res.status(204).end());
  app.get('/rest/orders', (_req, res) => void res.json([]));
  app.use((req, res) => {
    if (req.path.startsWith('/rest/')) return void res.status(500).json({ error: `Unexpected path: ${req.path}` });
    res.status(404).json({ error: 'not found' });
  });
  const srv = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = srv.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      srv.closeAllConnections();
      srv.close(() => resolve());
    });
  return { url, calls, stop, [Symbol.asyncDispose]: stop };
}

const writes = (calls: string[]) => calls.filter((c) => !/^(GET|HEAD|OPTIONS) /.test(c));

describe('discovery never sends the writes it finds in page scripts', () => {
  it('keeps each write it found unverified, under a prefix with a catch-all of its own, and calls none of them', async () => {
    await using app = await startWriteApp();
    const client = new ScanHttpClient(app.url);
    const { observed } = await discoverFromPage(client, await detectCatchAll(client), () => {});
    await client.close();
    expect(writes(app.calls)).toEqual([]);
    const keys = observed.map((o) => `${o.method} ${templatePath(o.path)}`);
    // No safe request tells a write route from the prefix's catch-all (500 "Unexpected path" to any method): each is kept.
    expect(keys).toEqual(
      expect.arrayContaining([
        'POST /rest/orders/checkout',
        'PUT /rest/settings/{id}',
        'DELETE /rest/cart/{id}',
        'POST /rest/web3/submitKey',
        'GET /rest/orders',
      ]),
    );
  });

  it('a --read-only scan (no accounts, the API discovered from the page) sends no write at all', async () => {
    await using app = await startWriteApp();
    const part = await runScan({
      target: new URL(app.url),
      profile: 'quick',
      seed: 7,
      readOnly: true,
      authConfig: parseAuthConfig({ register: null, login: null }),
      signal: AbortSignal.timeout(60_000),
    });
    expect(part.notes?.join('\n')).toContain('POST /rest/orders/checkout');
    expect(app.calls.length).toBeGreaterThan(10);
    expect(writes(app.calls)).toEqual([]);
  }, 60_000);
});
