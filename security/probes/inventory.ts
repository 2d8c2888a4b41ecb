import type { ScanContext } from '../scan-context.ts';
import { call, paramsForPath } from '../scan-context.ts';
import { templateRegex } from '../openapi.ts';
import { isCatchAllPage } from '../content.ts';
import { classifyExposure } from './exposure.ts';

const CAT = 'API9:2023';

/** Routes often left behind: old versions, debug and internal endpoints, config files. */
const COMMON = [
  '/admin',
  '/debug',
  '/debug/env',
  '/env',
  '/internal',
  '/test',
  '/api',
  '/v0',
  '/v2',
  '/.env',
  '/.git/config',
  '/config.json',
  '/graphql',
  '/actuator',
  '/actuator/env',
  '/server-status',
  '/swagger.json',
  '/api-docs',
  '/phpinfo.php',
  '/console',
  '/debug/vars',
  '/metrics',
  '/status',
  '/health',
  '/.git/HEAD',
  '/.env.local',
  '/.env.production',
  '/ftp',
  '/backup',
  '/prometheus',
  '/actuator/prometheus',
];
const RISKY =
  /admin|debug|internal|\.env|\.git|config|actuator|console|phpinfo|env|vars|metrics|prometheus|backup|ftp|^\/v[02]/;

/**
 * API9: routes that answer but are not in the document (old versions of
 * documented routes, debug/internal endpoints) and documented routes that 404.
 */
export async function probeInventory(ctx: ScanContext): Promise<void> {
  // A catch-all parameter route (GET /{id}, /{slug}/{page}: a parameter as the first segment) matches every
  // top-level path: it must not hide /metrics or /ftp. The common exposure paths count as documented only
  // when the document names them literally.
  const documented = ctx.api.operations.map((o) => ({
    re: templateRegex(o.path),
    literal: !o.path.includes('{'),
    catchAll: /^\/\{/.test(o.path),
  }));
  const common = new Set(COMMON);
  const isDocumented = (path: string) =>
    path === ctx.auth.openapiPath ||
    documented.some((d) => d.re.test(path) && (d.literal || (!d.catchAll && !common.has(path))));
  const candidates = new Set(COMMON);
  const prefixes = new Set(
    ctx.api.operations.map((o) => /^\/(api\/)?v\d+/.exec(o.path)?.[0]).filter((p): p is string => p !== undefined),
  );
  for (const prefix of prefixes)
    for (const c of ['/debug', '/debug/env', '/env', '/internal', '/test', '/config']) candidates.add(`${prefix}${c}`);
  for (const op of ctx.api.operations) {
    const m = /^\/v(\d+)\//.exec(op.path);
    if (m && op.method === 'GET' && op.pathParams.length === 0) {
      const v = Number(m[1]);
      for (const other of [v - 1, v + 1]) if (other >= 0) candidates.add(op.path.replace(/^\/v\d+\//, `/v${other}/`));
      candidates.add(op.path.replace(/^\/v\d+\//, '/'));
      candidates.add(op.path.replace(/^\/v\d+\//, '/api/'));
    }
  }
  const budget = ctx.profile === 'quick' ? 60 : 200;
  let fallback = 0;
  for (const path of [...candidates].slice(0, budget)) {
    if (isDocumented(path)) continue;
    const ex = await call(ctx, { method: 'GET', path }, { user: ctx.b });
    const status = ex.response?.status ?? 0;
    if (status < 200 || status >= 300) continue;
    // The app's catch-all page is not a route: recognised once, never reported per path.
    if (isCatchAllPage(ctx.catchAll, ex)) {
      fallback += 1;
      continue;
    }
    const exposure = classifyExposure(ex);
    const risky = exposure !== null || RISKY.test(path);
    ctx.sink.add({
      ruleId: risky ? 'rampart-api9-undocumented-sensitive-route' : 'rampart-api9-undocumented-route',
      title: exposure
        ? `Exposed: GET ${path} serves ${exposure.what.split(' (')[0]}`
        : `Undocumented route answers: GET ${path}`,
      category: CAT,
      severity: exposure?.severity ?? (risky ? 'medium' : 'low'),
      endpoint: `GET ${path}`,
      evidence: ex,
      description: exposure
        ? `GET ${path} answered ${status} with ${exposure.what}, to any user. Remove it from the public server or protect it.`
        : `GET ${path} answered ${status} but the ${ctx.discovered ? 'discovered' : 'OpenAPI'} document does not list it. Remove forgotten versions and debug routes, or document (and protect) them.`,
    });
  }
  if (ctx.catchAll?.body) {
    ctx.notes.push(
      `security scan: the target answers made-up paths with one catch-all page (${ctx.catchAll.status}, ${ctx.catchAll.contentType || 'no type'}); ${fallback} probed path(s) got that page and were not reported`,
    );
  }
  // Documented routes that do not exist: documented GETs we can call with real ids.
  for (const op of ctx.api.operations.filter((o) => o.method === 'GET')) {
    const params = paramsForPath(ctx, op.path);
    if (params === null) continue;
    const seen = ctx.client.history.filter(
      (e) => e.request.method === 'GET' && templateRegex(op.path).test(new URL(e.request.url).pathname) && e.response,
    );
    const ex = seen.find((e) => e.actor === 'A') ?? (await call(ctx, op, { user: ctx.a, params }));
    const missing = ex.response?.status === 404 || isCatchAllPage(ctx.catchAll, ex);
    if (!ctx.discovered && missing && op.pathParams.length === 0 && op.responses['404'] === undefined) {
      ctx.sink.add({
        ruleId: 'rampart-api9-documented-route-missing',
        title: `Documented route does not exist: ${op.key}`,
        category: CAT,
        severity: 'medium',
        endpoint: op.key,
        evidence: ex,
        description: `${op.key} is in the OpenAPI document but answered 404. The document must match the server.`,
      });
    }
  }
}
