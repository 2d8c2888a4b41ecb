import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from './api-error.ts';
import { createMetrics } from './metrics.ts';
import { checkListen, parseProxyInput, type ProxyCollection } from './proxy-collection.ts';
import { listOrder, parseToxic, parseToxicUpdate, toxicJson } from './toxic-spec.ts';
import { createValidation, type Validation } from './validation.ts';
import { decodeGoJson } from './go-json.ts';
import { bodyFieldNames } from './toxics/registry.ts';
import { nextRequestId } from './request-id.ts';

/** Reported by GET /version: Toxiproxy's API level, with rampart's build after the "+". */
export const PROXY_VERSION = '2.12.0+rampart';

type Handler = (ctx: {
  params: string[];
  body: () => Promise<unknown>;
  validation: Validation;
}) => Promise<[number, unknown?]>;

interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
}

export interface ApiOptions {
  /** Refuse (400) what Toxiproxy accepts but rampart finds suspect, instead of logging a warning. */
  strict?: boolean;
  /** Where those warnings go (the proxy's log). */
  warn?: (message: string) => void;
}

/**
 * Toxiproxy's HTTP API (api.go): the same paths, methods, status codes, JSON
 * shapes, error messages and content types. POST on a proxy or toxic is the
 * deprecated alias of PATCH, kept because toxiproxy-node-client still uses it.
 */
export function createApiHandler(
  collection: ProxyCollection,
  options: ApiOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const metrics = createMetrics(collection);
  const warn = options.warn ?? (() => {});

  const proxyUpdate: Handler = async ({ params, body, validation }) => {
    const proxy = collection.get(params[0]!);
    const input = await body();
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw errors.badRequestBody.with('expected a JSON object');
    const b = input as Record<string, unknown>;
    // Fields not given keep their value.
    const merged = {
      name: proxy.name,
      listen: b.listen ?? proxy.listen,
      upstream: b.upstream ?? proxy.upstream,
      enabled: b.enabled ?? proxy.enabled,
      on_upstream_down: b.on_upstream_down,
    };
    // Toxiproxy resolves the new listen address before anything else (Go's error, 500).
    if (typeof merged.listen === 'string') checkListen(merged.listen, validation, '', '');
    const parsed = parseProxyInput(merged, '', validation);
    await proxy.update(parsed);
    return [200, proxy];
  };
  const toxicUpdate: Handler = async ({ params, body, validation }) => {
    const proxy = collection.get(params[0]!);
    const toxic = proxy.findToxic(params[1]!);
    if (!toxic) throw errors.toxicNotFound;
    proxy.updateToxic(toxic, parseToxicUpdate(toxic, await body(), validation));
    return [200, toxicJson(toxic)];
  };

  const routes: Route[] = [
    // Toxiproxy writes this one by hand: a space after the colon and a newline.
    {
      pattern: /^\/version$/,
      methods: {
        GET: async () => [200, new RawBody(`{"version": "${PROXY_VERSION}"}\n`, 'application/json;charset=utf-8')],
      },
    },
    {
      pattern: /^\/reset$/,
      methods: { POST: async () => (await collection.reset(), [204]) },
    },
    {
      pattern: /^\/proxies$/,
      methods: {
        GET: async () => [200, Object.fromEntries(collection.all().map((p) => [p.name, p]))],
        POST: async ({ body, validation }) => [
          201,
          await collection.add(parseProxyInput(await body(), '', validation)),
        ],
      },
    },
    {
      pattern: /^\/populate$/,
      methods: {
        POST: async ({ body, validation }) => {
          try {
            return [201, { proxies: await collection.populate(await body(), validation) }];
          } catch (err) {
            // Toxiproxy answers a failed populate with the error and the proxies it created; here that is none (all-or-nothing).
            // Sent as JSON (application/json, no newline), unlike the other errors.
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
        GET: async ({ params }) => [200, listOrder(collection.get(params[0]!).toxics).map(toxicJson)],
        POST: async ({ params, body, validation }) => {
          const proxy = collection.get(params[0]!);
          const toxic = parseToxic(await body(), { validation, exists: (name) => proxy.findToxic(name) !== undefined });
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

  const metricsRoute: Route = {
    pattern: /^\/metrics$/,
    methods: { GET: async () => [200, new RawBody(await metrics.metrics(), metrics.contentType)] },
  };

  const send = (res: ServerResponse, status: number, payload?: unknown) => {
    if (payload === undefined) {
      // As Go writes an empty answer: no body, and (but for 204) Content-Length: 0 rather than chunks.
      res.writeHead(status, status === 204 ? {} : { 'Content-Length': 0 }).end();
      return;
    }
    if (payload instanceof ApiError) {
      // Toxiproxy answers errors through Go's http.Error: the JSON body as text/plain, with a newline.
      sendText(res, status, `${JSON.stringify(payload)}\n`);
      return;
    }
    const raw = payload instanceof RawBody ? payload : new RawBody(JSON.stringify(payload), 'application/json');
    res
      .writeHead(status, { 'Content-Type': raw.contentType, 'Content-Length': Buffer.byteLength(raw.text) })
      .end(raw.text);
  };

  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const method = req.method ?? 'GET';
    const route = path === '/metrics' ? metricsRoute : routes.find((r) => r.pattern.test(path));
    if (!route) {
      // gorilla/mux's NotFoundHandler (no middleware runs, so no request id).
      sendText(res, 404, '404 page not found\n');
      return;
    }
    const handler = route.methods[method];
    if (!handler) {
      // gorilla/mux answers a known path with another method 405 and no body (no middleware either).
      res.setHeader('Allow', Object.keys(route.methods).join(', '));
      send(res, 405);
      return;
    }
    // Toxiproxy's middleware order: the request id (zerolog's hlog), then the browser check.
    res.setHeader('X-Toxiproxy-Request-Id', nextRequestId());
    // Toxiproxy refuses browsers, so a web page cannot reconfigure faults (CSRF).
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      sendText(res, 403, 'User agent not allowed\n');
      return;
    }
    const params = route.pattern
      .exec(path)!
      .slice(1)
      .map((p) => decodeURIComponent(p));
    const body = () => readJson(req);
    const validation = createValidation(options.strict ?? false, (message) => warn(`${method} ${path}: ${message}`));
    handler({ params, body, validation }).then(
      ([status, payload]) => send(res, status, payload),
      (err: unknown) => {
        const apiErr =
          err instanceof ApiError ? err : new ApiError(err instanceof Error ? err.message : String(err), 500);
        send(res, apiErr.status, apiErr);
      },
    );
  };
}

/** A body sent as is, with its content type. */
class RawBody {
  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {}
}

/** Go's http.Error: text/plain; charset=utf-8 and nosniff. */
function sendText(res: ServerResponse, status: number, text: string): void {
  res
    .writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      'Content-Length': Buffer.byteLength(text),
    })
    .end(text);
}

/** The body as Toxiproxy's Go decoder reads it (first value only, keys in any case, numbers as spelled). */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return decodeGoJson(Buffer.concat(chunks).toString('utf8'), bodyFieldNames);
}
