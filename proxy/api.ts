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

/** What a route's handler gets: the path's named parts (decoded), the body when it asks, and the request's validation. */
interface HandlerContext {
  params: Record<string, string>;
  body: () => Promise<unknown>;
  validation: Validation;
}

type Handler = (ctx: HandlerContext) => Promise<[number, unknown?]>;

/** One path of the API and its handlers by method, in the order a 405's Allow header lists them. */
interface Route {
  pattern: RegExp;
  names: string[];
  methods: Map<string, Handler>;
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
 *
 * A request goes through gorilla/mux's phases in its order: match the path (404), match the method (405),
 * the middleware (request id, browser check: 403), then the handler, whose answer or error is sent.
 */
export function createApiHandler(
  collection: ProxyCollection,
  options: ApiOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = routeTable(apiRoutes(collection));
  const warn = options.warn ?? (() => {});
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    // Go's server refuses a path that does not percent-decode before any handler sees it (it would have thrown here).
    if (!decodes(path)) return badRequest(res);
    const method = req.method ?? 'GET';
    const route = routes.find((r) => r.pattern.test(path));
    if (!route) return notFound(res);
    const handler = route.methods.get(method);
    if (!handler) return methodNotAllowed(res, route);
    if (!middleware(req, res)) return;
    const params = pathParams(route, path);
    const body = () => readJson(req);
    const validation = createValidation(options.strict ?? false, (message) => warn(`${method} ${path}: ${message}`));
    answer(res, handler({ params, body, validation }));
  };
}

/** The API's routes, "METHOD /path/:name" → handler; a path's methods in the order its Allow header names them. */
function apiRoutes(collection: ProxyCollection): Record<string, Handler> {
  const metrics = createMetrics(collection);
  const proxyUpdate: Handler = async ({ params, body, validation }) => {
    const proxy = collection.get(params.proxy!);
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
    const proxy = collection.get(params.proxy!);
    const toxic = proxy.findToxic(params.toxic!);
    if (!toxic) throw errors.toxicNotFound;
    proxy.updateToxic(toxic, parseToxicUpdate(toxic, await body(), validation));
    return [200, toxicJson(toxic)];
  };
  return {
    // Toxiproxy writes this one by hand: a space after the colon and a newline.
    'GET /version': async () => [
      200,
      new RawBody(`{"version": "${PROXY_VERSION}"}\n`, 'application/json;charset=utf-8'),
    ],
    'POST /reset': async () => (await collection.reset(), [204]),
    'GET /proxies': async () => [200, Object.fromEntries(collection.all().map((p) => [p.name, p]))],
    'POST /proxies': async ({ body, validation }) => [
      201,
      await collection.add(parseProxyInput(await body(), '', validation)),
    ],
    'POST /populate': async ({ body, validation }) => {
      try {
        return [201, { proxies: await collection.populate(await body(), validation) }];
      } catch (err) {
        // Toxiproxy answers a failed populate with the error and the proxies it created; here that is none (all-or-nothing).
        // Sent as JSON (application/json, no newline), unlike the other errors.
        if (err instanceof ApiError) return [err.status, { ...err.toJSON(), proxies: [] }];
        throw err;
      }
    },
    'GET /proxies/:proxy': async ({ params }) => [200, collection.get(params.proxy!)],
    'POST /proxies/:proxy': proxyUpdate,
    'PATCH /proxies/:proxy': proxyUpdate,
    'DELETE /proxies/:proxy': async ({ params }) => (collection.remove(params.proxy!), [204]),
    'GET /proxies/:proxy/toxics': async ({ params }) => [
      200,
      listOrder(collection.get(params.proxy!).toxics).map(toxicJson),
    ],
    'POST /proxies/:proxy/toxics': async ({ params, body, validation }) => {
      const proxy = collection.get(params.proxy!);
      const toxic = parseToxic(await body(), { validation, exists: (name) => proxy.findToxic(name) !== undefined });
      proxy.addToxic(toxic);
      return [200, toxicJson(toxic)];
    },
    'GET /proxies/:proxy/toxics/:toxic': async ({ params }) => {
      const toxic = collection.get(params.proxy!).findToxic(params.toxic!);
      if (!toxic) throw errors.toxicNotFound;
      return [200, toxicJson(toxic)];
    },
    'POST /proxies/:proxy/toxics/:toxic': toxicUpdate,
    'PATCH /proxies/:proxy/toxics/:toxic': toxicUpdate,
    'DELETE /proxies/:proxy/toxics/:toxic': async ({ params }) => (
      collection.get(params.proxy!).removeToxic(params.toxic!),
      [204]
    ),
    'GET /metrics': async () => [200, new RawBody(await metrics.metrics(), metrics.contentType)],
  };
}

/** "METHOD /path/:name" keys grouped by path: a `:name` part matches one whole path segment. */
function routeTable(handlers: Record<string, Handler>): Route[] {
  const byPath = new Map<string, Route>();
  for (const [key, handler] of Object.entries(handlers)) {
    const [method, path] = key.split(' ') as [string, string];
    let route = byPath.get(path);
    if (!route) {
      const names = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
      const source = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '([^/]+)');
      route = { pattern: new RegExp(`^${source}$`), names, methods: new Map() };
      byPath.set(path, route);
    }
    route.methods.set(method, handler);
  }
  return [...byPath.values()];
}

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** What Go's net/http answers a request whose URL it cannot parse: 400, and the connection closed. */
function badRequest(res: ServerResponse): void {
  res.setHeader('Connection', 'close');
  sendText(res, 400, '400 Bad Request');
}

/** gorilla/mux's NotFoundHandler (no middleware runs, so no request id). */
function notFound(res: ServerResponse): void {
  sendText(res, 404, '404 page not found\n');
}

/** gorilla/mux answers a known path with another method 405 and no body (no middleware either). */
function methodNotAllowed(res: ServerResponse, route: Route): void {
  res.setHeader('Allow', [...route.methods.keys()].join(', '));
  send(res, 405);
}

/**
 * Toxiproxy's middleware, in its order: the request id (zerolog's hlog), then the browser check.
 * False when the request was answered here.
 */
function middleware(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader('X-Toxiproxy-Request-Id', nextRequestId());
  // Toxiproxy refuses browsers, so a web page cannot reconfigure faults (CSRF).
  if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
    sendText(res, 403, 'User agent not allowed\n');
    return false;
  }
  return true;
}

/** The path's named parts, percent-decoded. */
function pathParams(route: Route, path: string): Record<string, string> {
  const parts = route.pattern.exec(path)!.slice(1);
  return Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(parts[i]!)]));
}

/** The handler's answer, or its error as an ApiError (500 for any other). */
function answer(res: ServerResponse, handled: Promise<[number, unknown?]>): void {
  handled.then(
    ([status, payload]) => send(res, status, payload),
    (err: unknown) => {
      const apiErr =
        err instanceof ApiError ? err : new ApiError(err instanceof Error ? err.message : String(err), 500);
      send(res, apiErr.status, apiErr);
    },
  );
}

function send(res: ServerResponse, status: number, payload?: unknown): void {
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
