/**
 * Builds a working OpenAPI 3.1 document from observed requests (a HAR
 * recording, the app's own links and scripts), so an API without a document
 * can still be scanned. Schemas are loose on purpose (types from the samples,
 * nothing required): the scan must not call a request invalid on a guess.
 */
type Obj = Record<string, unknown>;

export interface Observed {
  method: string;
  /** Path as seen (concrete ids) or as a template ("/api/items/{id}"). */
  path: string;
  query?: string[];
  body?: unknown;
  /** The request carried credentials (Authorization or Cookie). */
  authenticated?: boolean;
  status?: number;
  responseJson?: boolean;
}

/** Words joined by hyphens or underscores (track-order-and-delivery-status): a route's name, however long, not an id. */
const WORDS = /^[a-z]+([-_][a-z]+)+$/i;
const ID_SEGMENT =
  /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[A-Za-z0-9_-]{20,})$/i;

/** "/api/Products/42/reviews" → "/api/Products/{ProductsId}/reviews"; the last id is "{id}". */
export function templatePath(path: string): string {
  const segments = path.split('/');
  const idIndexes = segments
    .map((s, i) => ((ID_SEGMENT.test(s) && !WORDS.test(s)) || /^\{[^}]*\}$|^:\w+$|^\$\{[^}]*\}$/.test(s) ? i : -1))
    .filter((i) => i > 0);
  const last = idIndexes[idIndexes.length - 1];
  return segments
    .map((s, i) => {
      if (!idIndexes.includes(i)) return s;
      if (i === last) return '{id}';
      return `{${(segments[i - 1] ?? 'p').replace(/[^\w]/g, '') || 'p'}Id}`;
    })
    .join('/');
}

export function inferSchema(value: unknown, depth = 0): Obj {
  if (depth > 5) return {};
  if (Array.isArray(value)) return { type: 'array', items: value.length > 0 ? inferSchema(value[0], depth + 1) : {} };
  if (value === null) return {};
  if (typeof value === 'object') {
    return {
      type: 'object',
      properties: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inferSchema(v, depth + 1)])),
    };
  }
  if (typeof value === 'number') return { type: Number.isInteger(value) ? 'integer' : 'number' };
  if (typeof value === 'boolean') return { type: 'boolean' };
  return { type: 'string' };
}

export function buildDocument(observed: Observed[], origin: string): Obj {
  const paths: Record<string, Record<string, Obj>> = {};
  for (const o of observed) {
    const method = o.method.toLowerCase();
    if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
    const path = templatePath(o.path.split('?')[0] ?? o.path);
    const item = (paths[path] ??= {});
    const op = (item[method] ??= { responses: {}, parameters: [] as Obj[], 'x-rampart-seen': 0 });
    op['x-rampart-seen'] = Number(op['x-rampart-seen']) + 1;
    const params = op.parameters as Obj[];
    for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])) {
      if (!params.some((p) => p.name === name && p.in === 'path'))
        params.push({ name, in: 'path', required: true, schema: { type: 'string' } });
    }
    for (const name of o.query ?? [])
      if (!params.some((p) => p.name === name && p.in === 'query'))
        params.push({ name, in: 'query', schema: { type: 'string' } });
    if (o.body !== undefined && o.body !== null && typeof o.body === 'object' && !op.requestBody) {
      op.requestBody = { content: { 'application/json': { schema: inferSchema(o.body) } } };
    }
    if (o.authenticated) op.security = [{ session: [] }];
    if (o.status)
      (op.responses as Obj)[String(o.status)] = {
        description: 'observed',
        ...(o.responseJson ? { content: { 'application/json': { schema: {} } } } : {}),
      };
  }
  for (const item of Object.values(paths)) {
    for (const op of Object.values(item))
      if (Object.keys(op.responses as Obj).length === 0) op.responses = { default: { description: 'not observed' } };
  }
  return {
    openapi: '3.1.0',
    info: { title: `Discovered API of ${origin}`, version: 'discovered' },
    components: { securitySchemes: { session: { type: 'apiKey', in: 'header', name: 'authorization' } } },
    paths,
  };
}
