import type { ScanUser } from '../auth.ts';
import type { Exchange } from '../http.ts';
import { jsonBody, ok2xx } from '../http.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, isAdminOp, paramsForPath } from '../scan-context.ts';
import { exampleFor } from '../schema-example.ts';
import { probeXffBypass } from './rate-limit-bypass.ts';
import { isCatchAllPage } from '../content.ts';

const CAT = 'API4:2023';
const LIMIT_NAMES = /^(limit|page_?size|per_?page|size|count|max|take|first)$/i;

function itemsCount(body: unknown): number {
  if (Array.isArray(body)) return body.length;
  if (body && typeof body === 'object') {
    for (const v of Object.values(body)) if (Array.isArray(v)) return v.length;
  }
  return 0;
}

/** API4: a page-size parameter far beyond its documented maximum must be refused or clamped. */
export async function probeUnboundedLimit(ctx: ScanContext): Promise<void> {
  for (const op of ctx.api.operations.filter((o) => o.method === 'GET')) {
    const param = op.queryParams.find(
      (p) => LIMIT_NAMES.test(p.name) && ['integer', 'number'].includes(String(p.schema.type)),
    );
    if (!param) continue;
    const params = paramsForPath(ctx, op.path);
    if (params === null) continue;
    const documentedMax = typeof param.schema.maximum === 'number' ? param.schema.maximum : null;
    const ex = await call(ctx, op, { user: ctx.a, params, query: { [param.name]: '1000000' } });
    const n = itemsCount(jsonBody(ex));
    const cap = documentedMax ?? 1000;
    if (ok2xx(ex) && n > cap) {
      ctx.sink.add({
        ruleId: 'rampart-api4-unbounded-limit',
        title: `Page size "${param.name}" is not bounded`,
        category: CAT,
        severity: 'medium',
        endpoint: op.key,
        evidence: ex,
        description: `${op.key}?${param.name}=1000000 returned ${n} items (documented maximum: ${documentedMax ?? 'none'}). Clamp or reject page sizes above a fixed maximum.`,
      });
    } else if (documentedMax === null) {
      ctx.sink.add({
        ruleId: 'rampart-api4-limit-undocumented-max',
        title: `Page size "${param.name}" has no documented maximum`,
        category: CAT,
        severity: 'low',
        endpoint: op.key,
        evidence: ex,
        description: `The OpenAPI document gives ${param.name} no maximum; document the bound the server enforces.`,
      });
    }
  }
}

/** API4: a 2 MB JSON body must be refused (413 or another 4xx), not parsed and accepted. */
export async function probeOversizedBody(ctx: ScanContext): Promise<void> {
  const ops = ctx.api.operations
    .filter((o) => o.bodySchema && o.method !== 'GET' && !isAdminOp(ctx, o) && !ctx.readOnly)
    .slice(0, ctx.profile === 'quick' ? 2 : 6);
  for (const op of ops) {
    const params = paramsForPath(ctx, op.path);
    if (params === null) continue;
    const base = exampleFor(op.bodySchema ?? {}) as Record<string, unknown>;
    const padded = JSON.stringify({
      ...(typeof base === 'object' && base ? base : {}),
      padding: 'A'.repeat(2 * 1024 * 1024),
    });
    const ex = await call(ctx, op, { user: ctx.a, params, raw: padded });
    if (ok2xx(ex)) {
      ctx.sink.add({
        ruleId: 'rampart-api4-oversized-body',
        title: 'A 2 MB request body was accepted',
        category: CAT,
        severity: 'medium',
        endpoint: op.key,
        evidence: ex,
        description: `${op.key} accepted a 2 MB JSON body (${ex.response?.status}). Limit body size in the parser (e.g. express.json({ limit: '100kb' })) and answer 413.`,
      });
    }
  }
}

/**
 * The route a burst goes to: the caller's own profile, else a GET without parameters (secured when the scan
 * holds accounts, any when anonymous), the first that answers something other than 404 or the catch-all page.
 */
async function burstPath(ctx: ScanContext, user: ScanUser): Promise<string | null> {
  const gets = ctx.api.operations.filter((o) => o.method === 'GET' && o.pathParams.length === 0 && !isAdminOp(ctx, o));
  const candidates = [
    ...(ctx.accounts !== 'anonymous' && ctx.auth.mePath ? [ctx.auth.mePath] : []),
    ...gets.filter((o) => o.secured && ctx.accounts !== 'anonymous').map((o) => o.path),
    ...gets.filter((o) => !o.secured).map((o) => o.path),
  ];
  for (const path of [...new Set(candidates)].slice(0, 4)) {
    const ex = await call(ctx, { method: 'GET', path }, { user });
    if (ex.response && ex.response.status !== 404 && !isCatchAllPage(ctx.catchAll, ex)) return path;
  }
  return null;
}

/** API4: one user sending many requests quickly must eventually get 429. */
export async function probeRateLimit(ctx: ScanContext, user: ScanUser): Promise<void> {
  const path = await burstPath(ctx, user);
  if (!path) {
    ctx.notes.push('security scan: no GET route without parameters answered; the per-client rate limit was not tested');
    return;
  }
  const budget = ctx.profile === 'quick' ? 150 : 400;
  const concurrency = 8;
  let sent = 0;
  let limited: Exchange | null = null;
  let last: Exchange | null = null;
  const worker = async () => {
    while (sent < budget && !limited) {
      sent += 1;
      const ex = await call(ctx, { method: 'GET', path }, { user });
      last = ex;
      if (ex.response?.status === 429) limited = ex;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (limited) {
    const ex = limited as Exchange;
    if (!ex.response?.headers['retry-after']) {
      ctx.sink.add({
        ruleId: 'rampart-api4-429-without-retry-after',
        title: '429 without Retry-After',
        category: CAT,
        severity: 'low',
        endpoint: `GET ${path}`,
        evidence: ex,
        description: 'Rate-limited responses should tell the client when to retry (Retry-After).',
      });
    }
    ctx.notes.push(`security scan: rate limit reached after ${sent} requests by one user on GET ${path}`);
    await probeXffBypass(ctx, `GET ${path}`, (headers) => call(ctx, { method: 'GET', path }, { user, headers }));
    return;
  }
  ctx.sink.add({
    ruleId: 'rampart-api4-no-rate-limit',
    title: 'No rate limit per user',
    category: CAT,
    severity: 'medium',
    endpoint: `GET ${path}`,
    evidence: last,
    description: `${sent} requests from one user in a burst were all served without a 429. Rate-limit per user and per IP (429 + Retry-After).`,
  });
}
