import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCatchAll } from '../catch-all.ts';
import { ScanHttpClient } from '../http.ts';
import { modelFromDocument } from '../openapi.ts';
import { startShopApp } from '../test-apps/shop-app.ts';
import { shopHar } from '../test-apps/shop-recording.ts';
import { buildDocument, templatePath } from './doc-builder.ts';
import { readHar } from './har.ts';
import { discoverFromPage } from './page-discovery.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rampart-discovery-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('a working document from recorded traffic (--har)', () => {
  it('keeps API calls to the target, templates ids, infers loose body schemas and marks credentialed calls secured', async () => {
    const file = path.join(dir, 'shop.har');
    await writeFile(file, shopHar('http://127.0.0.1:4000', { basket: 1001, feedback: 7 }));
    const observed = await readHar(file, 'http://127.0.0.1:4000');
    expect(observed.map((o) => o.path)).not.toContain('/assets/logo.png');
    const model = await modelFromDocument(buildDocument(observed, 'http://127.0.0.1:4000'));
    const keys = model.operations.map((o) => o.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'GET /rest/basket/{id}',
        'PUT /api/Products/{id}',
        'DELETE /api/Feedbacks/{id}',
        'POST /api/Feedbacks',
        'GET /rest/products/search',
      ]),
    );
    const post = model.operations.find((o) => o.key === 'POST /api/Feedbacks');
    expect(post?.bodySchema).toEqual({
      type: 'object',
      properties: { comment: { type: 'string' }, rating: { type: 'integer' } },
    });
    expect(post?.secured).toBe(true);
    expect(model.operations.find((o) => o.key === 'GET /rest/products/search')?.queryParams.map((p) => p.name)).toEqual(
      ['q'],
    );
  });

  it('entries for another origin are left out', async () => {
    const file = path.join(dir, 'other.har');
    await writeFile(file, shopHar('http://127.0.0.1:4001'));
    expect(await readHar(file, 'http://127.0.0.1:4000')).toEqual([]);
  });

  it('a file that is not a HAR is an input error that says how to make one', async () => {
    const file = path.join(dir, 'bad.har');
    await writeFile(file, '{"entries": []}');
    await expect(readHar(file, 'http://x')).rejects.toThrow(/bad\.har is not a HAR file: no log\.entries array/);
  });

  it('templates numeric, uuid and long-token segments only', () => {
    expect(templatePath('/api/Users/42/orders/0b7c3a9e-9f1d-4c3e-8a55-1d2e3f4a5b6c')).toBe(
      '/api/Users/{UsersId}/orders/{id}',
    );
    expect(templatePath('/rest/products/search')).toBe('/rest/products/search');
    expect(templatePath('/rest/track-order-and-delivery-status')).toBe('/rest/track-order-and-delivery-status');
    expect(templatePath('/rest/a1b2c3d4e5f6a7b8c9d0e1')).toBe('/rest/{id}');
  });
});

describe('a working document from the app page and its scripts', () => {
  it('finds the routes the script calls, with their methods, and drops what only the catch-all page answers', async () => {
    await using shop = await startShopApp({ hardened: true });
    const client = new ScanHttpClient(shop.url);
    const catchAll = await detectCatchAll(client);
    expect(catchAll?.contentType).toMatch(/text\/html/);
    const { observed, scripts } = await discoverFromPage(client, catchAll, () => {});
    await client.close();
    expect(scripts).toBe(2); // main.js and the chunk it imports lazily
    const keys = observed.map((o) => `${o.method} ${templatePath(o.path)}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'POST /rest/user/login',
        'PUT /api/Products/{id}',
        'GET /rest/basket/{id}',
        'GET /rest/feedback/board',
      ]),
    );
    // In the lazy chunk, a template literal that starts with a variable: `${this.hostServer}/rest/user/reset-password`.
    expect(keys).toContain('POST /rest/user/reset-password');
    // "/#/search" and the page itself are the single-page app, not API routes.
    expect(keys.filter((k) => k.startsWith('GET /#') || k === 'GET /')).toEqual([]);
    // Made-up operations: a long hyphenated name is not an id (the literal path answers 404 and is dropped),
    // and a templated front-end route answers any id with the catch-all page.
    expect(keys.filter((k) => k === 'GET /rest/{id}' || k.startsWith('GET /help/'))).toEqual([]);
  });
});
