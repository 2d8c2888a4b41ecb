import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../common/index.ts';

/** What `rampart init` takes from an API description: a few GET routes to load, and where the API answers. */
export interface StarterRoutes {
  /** Paths (with their query) a GET without parameters can ask, at most MAX_ROUTES. */
  paths: string[];
  /** The origin the description names (OpenAPI `servers`, the HAR's first request), if any. */
  origin?: string;
  /** Where the routes come from, for the suite's comment. */
  source: string;
}

const MAX_ROUTES = 3;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

async function readText(
  file: string,
  code: 'RAMPART_OPENAPI_UNREADABLE' | 'RAMPART_HAR_UNREADABLE',
  what: string,
): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(code, `cannot read ${what} ${file}: ${(err as Error).message}`, {
      hint: 'check the path (relative to where rampart runs)',
    });
  }
}

/** Origin and base path of an OpenAPI `servers[0].url` (a relative one has a path only). */
function serverOf(doc: Obj): { origin?: string; basePath: string } {
  const first = Array.isArray(doc.servers) && isObj(doc.servers[0]) ? doc.servers[0].url : undefined;
  if (typeof first !== 'string' || first.includes('{')) return { basePath: '' };
  try {
    const u = new URL(first);
    return { origin: u.origin, basePath: u.pathname.replace(/\/$/, '') };
  } catch {
    return { basePath: first.startsWith('/') ? first.replace(/\/$/, '') : '' };
  }
}

/** The GET operations of an OpenAPI 3 (or Swagger 2) document whose path has no parameter. */
export async function routesFromOpenApi(file: string): Promise<StarterRoutes> {
  const text = await readText(file, 'RAMPART_OPENAPI_UNREADABLE', 'OpenAPI document');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new InputError('RAMPART_OPENAPI_INVALID', `${file} is not YAML or JSON: ${(err as Error).message}`);
  }
  if (!isObj(doc) || !isObj(doc.paths) || (typeof doc.openapi !== 'string' && typeof doc.swagger !== 'string')) {
    throw new InputError(
      'RAMPART_OPENAPI_INVALID',
      `${file} is not an OpenAPI document (no "openapi" version or no "paths")`,
      { hint: 'give the OpenAPI 3 (or Swagger 2) document of the API, YAML or JSON' },
    );
  }
  const { origin, basePath } = serverOf(doc);
  const swaggerBase = typeof doc.basePath === 'string' ? doc.basePath.replace(/\/$/, '') : '';
  const swaggerOrigin =
    typeof doc.host === 'string'
      ? `${Array.isArray(doc.schemes) && doc.schemes.includes('https') ? 'https' : 'http'}://${doc.host}`
      : undefined;
  const paths = Object.entries(doc.paths)
    .filter(([p, item]) => !p.includes('{') && isObj(item) && isObj(item.get))
    .map(([p]) => `${basePath || swaggerBase}${p}`)
    .slice(0, MAX_ROUTES);
  const found = origin ?? swaggerOrigin;
  return { paths, ...(found ? { origin: found } : {}), source: `the GET routes without parameters of ${file}` };
}

/** The distinct GET requests of a HAR recording that were answered 2xx or 3xx, on its first request's origin. */
export async function routesFromHar(file: string): Promise<StarterRoutes> {
  const text = await readText(file, 'RAMPART_HAR_UNREADABLE', 'HAR file');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError('RAMPART_HAR_INVALID', `${file} is not a HAR file: ${(err as Error).message}`, {
      hint: 'export it from the browser (DevTools → Network → Save all as HAR) or a proxy',
    });
  }
  const entries = isObj(doc) && isObj(doc.log) && Array.isArray(doc.log.entries) ? doc.log.entries : null;
  if (!entries)
    throw new InputError('RAMPART_HAR_INVALID', `${file} is not a HAR file: no log.entries`, {
      hint: 'export it from the browser (DevTools → Network → Save all as HAR) or a proxy',
    });
  let origin: string | undefined;
  const paths: string[] = [];
  for (const e of entries) {
    const req = isObj(e) && isObj(e.request) ? e.request : null;
    const status = isObj(e) && isObj(e.response) ? Number(e.response.status) : 0;
    if (!req || typeof req.url !== 'string') continue;
    let u: URL;
    try {
      u = new URL(req.url);
    } catch {
      continue;
    }
    origin ??= u.origin;
    const p = `${u.pathname}${u.search}`;
    if (req.method === 'GET' && u.origin === origin && status >= 200 && status < 400 && !paths.includes(p))
      paths.push(p);
    if (paths.length === MAX_ROUTES) break;
  }
  return { paths, ...(origin ? { origin } : {}), source: `the GET requests recorded in ${file}` };
}
