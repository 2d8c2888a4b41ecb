import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from './api-error.ts';
import { createMetrics } from './metrics.ts';
import { parseProxyInput, type ProxyCollection } from './proxy-collection.ts';
import { parseToxic, parseToxicUpdate, toxicJson } from './toxic-spec.ts';

/** Reported by GET /version: Toxiproxy's API level, with rampart's build after the "+". */
export const PROXY_VERSION = '2.12.0+rampart';

type Handler = (ctx: { params: string[]; body: () => Promise<unknown> }) => Promise<[number, unknown?]>;

interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
}

/**
 * Toxiproxy's HTTP API (api.go): the same paths, methods, status codes, JSON
 * shapes and error messages. POST on a proxy or toxic is the deprecated alias
 * of PATCH, kept because toxiproxy-node-client still uses it.
 */
export function createApiHandler(collection: ProxyCollection): (req: IncomingMessage, res: ServerResponse) => void {
  const metrics = createMetrics(collection);

  const proxyUpdate: Handler = async ({ params, body }) => {
    const proxy = collection.get(params[0]!);
    const input = await body();
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw errors.badRequestBody.with('expected a JSON object');
    const b = input as Record<string, unknown>;
    // Fields not given keep their value.
    const merged = {
      name: proxy.name,
      listen: b.listen ?? proxy.listen,
      upstream: b.upstream ?? proxy.upstream,
      enabled: b.enabled ?? proxy.enabled,
      on_upstream_down: b.on_upstream_down,
    };
    const parsed = parseProxyInput(merged);
    await proxy.update(parsed);
    return [200, proxy];
  };
  const toxicUpdate: Handler = async ({ params, body }) => {
    const proxy = collection.get(params[0]!);
    const toxic = proxy.findToxic(params[1]!);
    if (!toxic) throw errors.toxicNotFound;
    proxy.updateToxic(toxic, parseToxicUpdate(toxic, await body()));
    return [200, toxicJson(toxic)];
  };

  const routes: Route[] = [
    { pattern: /^\/version$/, methods: { GET: async () => [200, { version: PROXY_VERSION }] } },
    {
      pattern: /^\/reset$/,
      methods: { POST: async () => (await collection.reset(), [204]) },
    },
    {
      pattern: /^\/proxies$/,
      methods: {
        GET: async () => [200, Object.fromEntries(collection.all().map((p) => [p.name, p]))],
        POST: async ({ body }) => [201, await collection.add(parseProxyInput(await body()))],
      },
    },
    {
      pattern: /^\/populate$/,
      methods: {
        POST: async ({ body }) => {
          try {
            return [201, { proxies: await collection.populate(await body()) }];
          } catch (err) {
            // Toxiproxy answers a failed populate with the error and the proxies it created; here that is none (all-or-nothing).
            if (err instanceof ApiError) return [err.status, { ...err.toJSON(), proxies: [] }];
            throw err;
          }
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)$/,
      methods: {
        GET: async ({ params }) => [200, collection.get(params[0]!)],
        POST: proxyUpdate,
        PATCH: proxyUpdate,
        DELETE: async ({ params }) => (collection.remove(params[0]!), [204]),
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics$/,
      methods: {
        GET: async ({ params }) => [200, collection.get(params[0]!).toxics.map(toxicJson)],
        POST: async ({ params, body }) => {
          const proxy = collection.get(params[0]!);
          const toxic = parseToxic(await body());
          proxy.addToxic(toxic);
          return [200, toxicJson(toxic)];
        },
      },
    },
    {
      pattern: /^\/proxies\/([^/]+)\/toxics\/([^/]+)$/,
      methods: {
        GET: async ({ params }) => {
          const toxic = collection.get(params[0]!).findToxic(params[1]!);
          if (!toxic) throw errors.toxicNotFound;
          return [200, toxicJson(toxic)];
        },
        POST: toxicUpdate,
        PATCH: toxicUpdate,
        DELETE: async ({ params }) => (collection.get(params[0]!).removeToxic(params[1]!), [204]),
      },
    },
  ];

  const send = (res: ServerResponse, status: number, payload?: unknown, contentType = 'application/json') => {
    if (payload === undefined) {
      res.writeHead(status).end();
      return;
    }
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) }).end(text);
  };

  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const method = req.method ?? 'GET';
    // Toxiproxy refuses browsers, so a web page cannot reconfigure faults (CSRF).
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      send(res, 403, 'User agent not allowed\n', 'text/plain; charset=utf-8');
      return;
    }
    if (path === '/metrics' && method === 'GET') {
      metrics.metrics().then((text) => send(res, 200, text, metrics.contentType), () => send(res, 500, new ApiError('metrics failed', 500)));
      return;
    }
    const route = routes.find((r) => r.pattern.test(path));
    if (!route) {
      send(res, 404, new ApiError('not found', 404));
      return;
    }
    const handler = route.methods[method];
    if (!handler) {
      res.setHeader('Allow', Object.keys(route.methods).join(', '));
      send(res, 405, new ApiError('method not allowed', 405));
      return;
    }
    const params = route.pattern.exec(path)!.slice(1).map((p) => decodeURIComponent(p));
    const body = () => readJson(req);
    handler({ params, body }).then(
      ([status, payload]) => send(res, status, payload),
      (err: unknown) => {
        const apiErr = err instanceof ApiError ? err : new ApiError(err instanceof Error ? err.message : String(err), 500);
        send(res, apiErr.status, apiErr);
      },
    );
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw errors.badRequestBody.with('EOF');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw errors.badRequestBody.with((err as Error).message);
  }
}
