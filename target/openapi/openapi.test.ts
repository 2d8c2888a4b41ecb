import SwaggerParser from '@apidevtools/swagger-parser';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startFeatureHarness } from '../feature-testing.ts';
import type { FeatureHarness } from '../feature-testing.ts';
import { createResponseChecker, openApiDocument } from './index.ts';

let h: FeatureHarness;
beforeAll(async () => {
  h = await startFeatureHarness();
});
afterAll(async () => h?.stop());

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
}

/** Every method + path the Express app routes, with :params turned into {params}. */
function expressRoutes(app: Express): string[] {
  const out = new Set<string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      const raw = Array.isArray(layer.rawPath) ? layer.rawPath[0] : layer.rawPath;
      const base = typeof raw === 'string' && raw !== '/' ? prefix + raw : prefix;
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          const full = (prefix + (p === '/' && prefix ? '' : p)).replace(/:(\w+)/g, '{$1}') || '/';
          for (const m of Object.keys(layer.route.methods)) if (m !== '_all') out.add(`${m} ${full}`);
        }
      } else if (layer.handle.stack) {
        walk(layer.handle.stack, base);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...out].sort();
}

const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
const documented = Object.entries(doc.paths)
  .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`))
  .sort();

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document, served at /openapi.json, with an offline docs page', async () => {
    await SwaggerParser.validate(structuredClone(openApiDocument()) as never);
    const served = await call(h.target.url, 'GET', '/openapi.json');
    expect(served.body.openapi).toBe('3.1.0');
    const page = await fetch(`${h.target.url}/docs`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('/docs/assets/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN
    for (const src of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string)) {
      expect((await fetch(h.target.url + src)).status, src).toBe(200);
    }
  });

  it('documents every route the Express app serves', () => {
    const routes = expressRoutes(h.target.server.runtime.app);
    expect(routes).toContain('post /v1/posts/{id}/like');
    expect(routes.length).toBeGreaterThan(15);
    const undocumented = routes.filter((r) => !documented.includes(r));
    expect(undocumented).toEqual([]);
  });

  it('documents nothing the server does not route: every documented operation answers (no route-not-found 404)', async () => {
    const missing: string[] = [];
    for (const entry of documented) {
      const [method, template] = entry.split(' ') as [string, string];
      const user = await h.user('admin');
      const path = template.replace('{file}', 'swagger-ui.css').replace(/\{[^}]+\}/g, user.id);
      const res = await fetch(h.target.url + path, {
        method: method.toUpperCase(),
        headers: {
          authorization: `Bearer ${user.token}`,
          ...(method === 'get' || method === 'delete' ? {} : { 'content-type': 'application/json' }),
        },
        body: method === 'get' || method === 'delete' ? undefined : '{}',
      });
      const text = await res.text();
      if (res.status === 404 && text.includes('ROUTE_NOT_FOUND')) missing.push(entry);
      if (res.status === 405) missing.push(entry);
    }
    expect(missing).toEqual([]);
  });

  it('a new user’s journey through the platform and feature routes matches the documented responses', async () => {
    const base = h.target.url;
    const reg = async (name: string) => {
      const r = await call(base, 'POST', '/v1/auth/register', {
        body: { email: `${name}@journey.test`, password: 'password123!', handle: name, role: 'admin' },
      });
      expect(r.status).toBe(201);
      expect(r.body.user.role).toBe('user');
      const login = await call(base, 'POST', '/v1/auth/login', {
        body: { email: `${name}@journey.test`, password: 'password123!' },
      });
      expect(login.status).toBe(200);
      return { id: r.body.user.id as string, token: login.body.accessToken as string };
    };
    const ann = await reg('journey_ann');
    const ben = await reg('journey_ben');
    expect(
      (
        await call(base, 'POST', '/v1/auth/register', {
          body: { email: 'journey_ann@journey.test', password: 'password123!', handle: 'other_ann' },
        })
      ).status,
    ).toBe(409);
    expect((await call(base, 'GET', '/v1/users/me', { token: ann.token })).status).toBe(200);
    expect((await call(base, 'GET', `/v1/users/${ben.id}`)).status).toBe(200);
    expect((await call(base, 'POST', `/v1/users/${ben.id}/follow`, { token: ann.token })).status).toBe(201);
    const post = await call(base, 'POST', '/v1/posts', { token: ben.token, body: { body: 'first post' } });
    const note = async () =>
      (await call(base, 'GET', '/v1/notifications', { token: ben.token })).body.items.find(
        (n: { type: string }) => n.type === 'follow.created',
      );
    for (let i = 0; i < 100 && !(await note()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await note()).toMatchObject({ actorId: ann.id });
    const feed = await call(base, 'GET', '/v1/feed', { token: ann.token });
    expect(feed.body.items.map((p: { id: string }) => p.id)).toContain(post.body.id);
    expect((await call(base, 'GET', '/v1/trending', { token: ann.token })).status).toBe(200);
    expect((await call(base, 'GET', '/v1/admin/users', { token: ann.token })).status).toBe(403);
    const admin = await h.user('admin');
    expect((await call(base, 'GET', '/v1/admin/users?limit=5', { token: admin.token })).status).toBe(200);
    expect((await call(base, 'DELETE', `/v1/users/${ben.id}/follow`, { token: ann.token })).status).toBe(204);
    expect(
      (await call(base, 'POST', '/v1/auth/password-reset/request', { body: { email: 'journey_ann@journey.test' } }))
        .status,
    ).toBe(202);
    const mail = await h.pool.query(
      "SELECT count(*)::int AS n FROM outbox WHERE topic = 'mail.password-reset' AND recipient = 'journey_ann@journey.test'",
    );
    expect(mail.rows[0].n).toBe(1);
  });

  it('the response checker the integration tests use rejects a body that breaks the schema', () => {
    const check = createResponseChecker(openApiDocument());
    expect(check('GET', '/v1/posts/00000000-0000-4000-8000-000000000000', 200, { id: 'x' }).length).toBeGreaterThan(0);
    expect(check('GET', '/v1/feed', 200, { items: [], nextCursor: null })).toEqual([]);
    expect(check('GET', '/v1/feed', 299, {})).not.toEqual([]);
  });
});
