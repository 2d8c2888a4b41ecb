import { revealsProtected, isCatchAllPage } from '../content.ts';
import type { Exchange } from '../http.ts';
import { jsonBody, ok2xx } from '../http.ts';
import { findId } from '../ledger.ts';
import type { ApiOperation } from '../openapi.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, endpoint, isAdminOp, isSafeMethod, paramsForPath } from '../scan-context.ts';
import { exampleFor } from '../schema-example.ts';

const CAT_BOLA = 'API1:2023';
const CAT_BFLA = 'API5:2023';

function objectFor(ctx: ScanContext, op: ApiOperation) {
  const last = op.path.split('/').pop() ?? '';
  if (!/^\{[^}]+\}$/.test(last)) return undefined;
  return ctx.objects.get(op.path);
}

/** A's view of the object before and after B's attempt: did B's write take effect? */
async function changedFor(
  ctx: ScanContext,
  op: ApiOperation,
  params: Record<string, string>,
  before: Exchange | null,
): Promise<boolean> {
  const read = ctx.api.operations.find((o) => o.method === 'GET' && o.path === op.path);
  if (!read || !before) return true; // nothing to read it back with: the 2xx is all there is
  const after = await call(ctx, read, { user: ctx.a, params });
  if (op.method === 'DELETE') return !ok2xx(after);
  return (after.response?.body ?? '') !== (before.response?.body ?? '');
}

/**
 * API1 BOLA: user B reads, changes and deletes user A's objects, on every
 * path with an id parameter. A read counts only when B gets A's content (A's
 * own read is the baseline); a write only when A sees the change afterwards.
 */
export async function probeBola(ctx: ScanContext): Promise<void> {
  const ops = ctx.api.operations.filter(
    (op) => op.pathParams.length > 0 && !isAdminOp(ctx, op) && (!ctx.readOnly || isSafeMethod(op.method)),
  );
  // Deletes last, so the other checks still find the objects.
  const order = (op: ApiOperation) => (op.method === 'DELETE' ? 2 : op.method === 'GET' ? 0 : 1);
  for (const op of [...ops].sort((x, y) => order(x) - order(y))) {
    const params = paramsForPath(ctx, op.path);
    if (params === null) continue;
    const own = objectFor(ctx, op);
    const parentPrivate = [...ctx.objects.values()].some((o) => o.private && op.path.startsWith(`${o.itemPath}/`));
    const ids = Object.values(params).join(', ');
    if (op.method === 'GET') {
      const baseline = await call(ctx, op, { user: ctx.a, params });
      // Public objects are still read as B: the passive checks look at what B gets (e.g. A's email).
      const ex = await call(ctx, op, { user: ctx.b, params });
      if (!(own?.private || parentPrivate)) continue;
      const j = revealsProtected(baseline, ex, ctx.catchAll);
      if (j.revealed) {
        ctx.sink.add({
          ruleId: 'rampart-api1-bola-read',
          title: "Another user can read a user's private object",
          category: CAT_BOLA,
          severity: 'high',
          endpoint: endpoint(op),
          evidence: ex,
          description: `User B read ${op.path} for an object user A holds privately (id ${ids}) and got ${ex.response?.status} with A's content (${j.why}). Every object read must check ownership or visibility; answer 404 to others.`,
        });
      }
      continue;
    }
    // Sub-resource actions (like, follow) are legitimate on others' public objects, not on private ones.
    if (op.method === 'POST' && parentPrivate && !own) {
      const body = op.bodySchema ? exampleFor(op.bodySchema) : undefined;
      const ex = await call(ctx, op, { user: ctx.b, params, json: body });
      if (ok2xx(ex) && !isCatchAllPage(ctx.catchAll, ex)) {
        ctx.sink.add({
          ruleId: 'rampart-api1-bola-subresource',
          title: "Another user can act on a user's private object",
          category: CAT_BOLA,
          severity: 'high',
          endpoint: endpoint(op),
          evidence: ex,
          description: `User B sent ${op.method} ${op.path} on user A's private object (id ${ids}) and got ${ex.response?.status}. Check visibility before acting on an object's sub-resources; answer 404.`,
        });
      }
      continue;
    }
    if (!own || op.method === 'POST') continue;
    const read = ctx.api.operations.find((o) => o.method === 'GET' && o.path === op.path);
    const before = read ? await call(ctx, read, { user: ctx.a, params }) : null;
    const body = op.bodySchema ? exampleFor(op.bodySchema, { preferPrivate: true }) : undefined;
    const ex = await call(ctx, op, { user: ctx.b, params, json: body });
    if (ok2xx(ex) && !isCatchAllPage(ctx.catchAll, ex) && (await changedFor(ctx, op, params, before))) {
      const verb = op.method === 'DELETE' ? 'delete' : 'change';
      ctx.sink.add({
        ruleId: `rampart-api1-bola-${verb === 'delete' ? 'delete' : 'write'}`,
        title: `Another user can ${verb} a user's object`,
        category: CAT_BOLA,
        severity: 'critical',
        endpoint: endpoint(op),
        evidence: ex,
        description: `User B sent ${op.method} ${op.path} for user A's object (id ${ids}), got ${ex.response?.status}, and A then saw the object ${verb === 'delete' ? 'gone' : 'changed'}. Writes must check that the caller owns the object (or holds a role allowed to), and answer 403/404 otherwise.`,
      });
    }
  }
}

/** Ids for a path's parameters: A's objects, else the first item a GET of the collection lists. */
export async function idsFor(ctx: ScanContext, op: ApiOperation): Promise<Record<string, string>> {
  const own = paramsForPath(ctx, op.path);
  if (own) return own;
  const out: Record<string, string> = {};
  for (const p of op.pathParams) {
    const collection = op.path.slice(0, op.path.indexOf(`{${p.name}}`)).replace(/\/$/, '');
    const list = ctx.api.operations.find((o) => o.method === 'GET' && o.path === collection);
    const ex = list ? await call(ctx, list, { user: ctx.admin ?? ctx.a, params: out }) : null;
    const body = ex ? jsonBody(ex) : undefined;
    const items = Array.isArray(body)
      ? body
      : body && typeof body === 'object'
        ? Object.values(body).find(Array.isArray)
        : undefined;
    const first = Array.isArray(items) ? findId({ item: items[0] }) : null;
    out[p.name] = first ?? ctx.a.id ?? '1';
  }
  return out;
}

/**
 * API5 BFLA: an ordinary user calls every administrative route (by path
 * pattern or method-aware rule). With admin credentials, a read counts only
 * when B gets what the admin gets; a change is put back afterwards.
 */
export async function probeBfla(ctx: ScanContext): Promise<void> {
  for (const op of ctx.api.operations.filter((o) => isAdminOp(ctx, o) && (!ctx.readOnly || isSafeMethod(o.method)))) {
    const params = await idsFor(ctx, op);
    const adminView = op.method === 'GET' && ctx.admin ? await call(ctx, op, { user: ctx.admin, params }) : null;
    const body = op.bodySchema ? exampleFor(op.bodySchema) : undefined;
    const ex = await call(ctx, op, { user: ctx.b, params, json: body });
    if (!ok2xx(ex) || isCatchAllPage(ctx.catchAll, ex)) continue;
    if (adminView && !revealsProtected(adminView, ex, ctx.catchAll).revealed) continue;
    // Without an admin to compare with: what anyone gets (no session at all) is not an admin function.
    if (
      !adminView &&
      op.method === 'GET' &&
      revealsProtected(ex, await call(ctx, op, { user: null, params }), ctx.catchAll).revealed
    )
      continue;
    // A changed object is put back by the ledger from the pre-image it read before the first write.
    if (op.method === 'DELETE') ctx.ledger.cannotUndo(`${fillIds(op.path, params)} deleted by the BFLA probe`);
    ctx.sink.add({
      ruleId: 'rampart-api5-bfla',
      title: 'An ordinary user can call an administrative function',
      category: CAT_BFLA,
      severity: op.method === 'GET' ? 'high' : 'critical',
      endpoint: endpoint(op),
      evidence: ex,
      description: `User B (an ordinary user) called ${op.method} ${op.path} and got ${ex.response?.status}${adminView ? ' with the content an administrator gets' : ''}. Administrative functions must check the caller's role (RBAC) and answer 403.`,
    });
  }
}

function fillIds(template: string, params: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_m, n: string) => encodeURIComponent(params[n] ?? ''));
}
