import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../common/index.ts';
import { ScanHttpClient } from '../http.ts';
import { modelFromDocument } from '../openapi.ts';
import { startShopApp } from '../test-apps/shop-app.ts';
import { fetchServedDocument, readDocumentFrom } from './openapi-source.ts';

let dir: string;
const client = new ScanHttpClient('http://127.0.0.1:1');
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rampart-openapi-'));
});
afterAll(async () => {
  await client.close();
  await rm(dir, { recursive: true, force: true });
});

describe('--openapi FILE', () => {
  it('reads a Swagger 2.0 YAML document and converts it: body parameters become request bodies, refs resolved', async () => {
    const doc = await readDocumentFrom(repoPath('security/fixtures/shop-swagger2.yaml'), client);
    const model = await modelFromDocument(doc);
    const put = model.operations.find((o) => o.key === 'PUT /api/Products/{id}');
    expect(put?.bodySchema).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string' }, price: { type: 'number' } },
    });
    expect(put?.pathParams).toMatchObject([{ name: 'id', in: 'path', schema: { type: 'integer' } }]);
    expect(put?.secured).toBe(true);
    expect(model.operations.find((o) => o.key === 'GET /rest/products/search')?.queryParams).toMatchObject([
      { name: 'q', required: true },
    ]);
    expect(model.operations.find((o) => o.key === 'GET /api/Products')?.responses['200']).toMatchObject({
      properties: { data: { items: { properties: { price: { type: 'number' } } } } },
    });
  });

  it('reads OpenAPI 3.1 YAML and prefixes paths with the server URL path', async () => {
    const file = path.join(dir, 'api.yaml');
    await writeFile(
      file,
      `openapi: 3.1.0
info: { title: t, version: "1" }
servers: [{ url: "https://shop.example.test/api/v3" }]
paths:
  /items/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      security: [{ key: [] }]
      responses: { "200": { description: ok } }
components: { securitySchemes: { key: { type: apiKey, in: header, name: x-key } } }
`,
    );
    const model = await modelFromDocument(await readDocumentFrom(file, client));
    expect(model.operations.map((o) => o.key)).toEqual(['GET /api/v3/items/{id}']);
  });

  it.each([
    ['a missing file', 'nope.yaml', null, /cannot read the OpenAPI document .*nope\.yaml: ENOENT/],
    ['YAML that is not a document', 'list.yaml', '- a\n- b\n', /not an OpenAPI document: not an object/],
    ['no version field', 'nover.json', '{"paths":{}}', /no "openapi" or "swagger" version field/],
    ['an unsupported version', 'v4.json', '{"openapi":"4.0.0","paths":{}}', /OpenAPI 4\.0\.0 is not supported/],
  ])('refuses %s with exit-2 input error naming it', async (_name, file, content, message) => {
    const full = path.join(dir, file);
    if (content !== null) await writeFile(full, content);
    const err = (await readDocumentFrom(full, client).catch((e: unknown) => e)) as {
      code: string;
      category: string;
      message: string;
    };
    expect(err.category).toBe('input');
    expect(err.message).toMatch(message);
  });
});

describe('the document the target serves', () => {
  it('an app page where the document should be is not an error: the scan is told why and discovers instead', async () => {
    await using shop = await startShopApp({ hardened: true });
    const c = new ScanHttpClient(shop.url);
    const served = await fetchServedDocument(c, '/openapi.json');
    await c.close();
    expect(served).toEqual({
      reason: expect.stringMatching(/\/openapi\.json answered 200 text\/html.*not an OpenAPI document/) as unknown,
    });
  });
});
