import { ok2xx } from '../http.ts';
import type { ApiOperation } from '../openapi.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, endpoint, isAdminPath, paramsForPath } from '../scan-context.ts';
import { exampleFor } from '../schema-example.ts';

const CAT_BOLA = 'API1:2023';
const CAT_BFLA = 'API5:2023';

function objectFor(ctx: ScanContext, op: ApiOperation) {
  const last = op.path.split('/').pop() ?? '';
  if (!/^\{[^}]+\}$/.test(last)) return undefined;
  return ctx.objects.get(op.path);
}

/**
 * API1 BOLA: user B reads, changes and deletes user A's objects, on every
 * path with an id parameter. Reads only count for objects A created private
 * (or where the API has no notion of visibility); writes always count.
 */
export async function probeBola(ctx: ScanContext): Promise<void> {
  const ops = ctx.api.operations.filter((op) => op.pathParams.length > 0 && !isAdminPath(ctx, op.path));
  // Deletes last, so the other checks still find the objects.
  const order = (op: ApiOperation) => (op.method === 'DELETE' ? 2 : op.method === 'GET' ? 0 : 1);
  for (const op of [...ops].sort((x, y) => order(x) - order(y))) {
    const params = paramsForPath(ctx, op.path);
    if (params === null) continue;
    const own = objectFor(ctx, op);
    const parentPrivate = [...ctx.objects.values()].some((o) => o.private && op.path.startsWith(`${o.itemPath}/`));
    if (op.method === 'GET') {
      // Public objects are still read as B: the passive checks look at what B gets (e.g. A's email).
      const ex = await call(ctx, op, { user: ctx.b, params });
      if (!(own?.private || parentPrivate)) continue;
      if (ok2xx(ex)) {
        ctx.sink.add({
          ruleId: 'rampart-api1-bola-read', title: "Another user can read a user's private object", category: CAT_BOLA, severity: 'high',
          endpoint: endpoint(op), evidence: ex,
          description: `User B read ${op.path} for an object user A created as private (id ${Object.values(params).join(', ')}) and got ${ex.response?.status}. Every object read must check ownership or visibility; answer 404 to others.`,
        });
      }
      continue;
    }
    // Writes on the object itself (PATCH/PUT/DELETE /things/{id}); sub-resource actions (like, follow) are legitimate on others' objects.
    if (op.method === 'POST' && parentPrivate && !own) {
      // Acting on a private object's sub-resources (comment, like) is using an object B must not see.
      const body = op.bodySchema ? exampleFor(op.bodySchema) : undefined;
      const ex = await call(ctx, op, { user: ctx.b, params, json: body });
      if (ok2xx(ex)) {
        ctx.sink.add({
          ruleId: 'rampart-api1-bola-subresource', title: "Another user can act on a user's private object", category: CAT_BOLA, severity: 'high',
          endpoint: endpoint(op), evidence: ex,
          description: `User B sent ${op.method} ${op.path} on user A's private object (id ${Object.values(params).join(', ')}) and got ${ex.response?.status}. Check visibility before acting on an object's sub-resources; answer 404.`,
        });
      }
      continue;
    }
    if (!own || op.method === 'POST') continue;
    const body = op.bodySchema ? exampleFor(op.bodySchema, { preferPrivate: true }) : undefined;
    const ex = await call(ctx, op, { user: ctx.b, params, json: body });
    if (ok2xx(ex)) {
      const verb = op.method === 'DELETE' ? 'delete' : 'change';
      ctx.sink.add({
        ruleId: `rampart-api1-bola-${verb === 'delete' ? 'delete' : 'write'}`, title: `Another user can ${verb} a user's object`, category: CAT_BOLA, severity: 'critical',
        endpoint: endpoint(op), evidence: ex,
        description: `User B sent ${op.method} ${op.path} for user A's object (id ${Object.values(params).join(', ')}) and got ${ex.response?.status}. Writes must check that the caller owns the object (or holds a role allowed to), and answer 403/404 otherwise.`,
      });
    }
  }
}

/** API5 BFLA: an ordinary user calls every administrative route. */
export async function probeBfla(ctx: ScanContext): Promise<void> {
  for (const op of ctx.api.operations.filter((o) => isAdminPath(ctx, o.path))) {
    const params = paramsForPath(ctx, op.path) ?? Object.fromEntries(op.pathParams.map((p) => [p.name, ctx.a.id ?? '1']));
    const body = op.bodySchema ? exampleFor(op.bodySchema) : undefined;
    const ex = await call(ctx, op, { user: ctx.b, params, json: body });
    if (ok2xx(ex)) {
      ctx.sink.add({
        ruleId: 'rampart-api5-bfla', title: 'An ordinary user can call an administrative function', category: CAT_BFLA, severity: op.method === 'GET' ? 'high' : 'critical',
        endpoint: endpoint(op), evidence: ex,
        description: `User B (an ordinary user) called ${op.method} ${op.path} and got ${ex.response?.status}. Administrative routes must check the caller's role (RBAC) and answer 403.`,
      });
    }
  }
}
