import { ok2xx } from '../http.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, endpoint, isAdminOp, isAuthPath, paramsForPath } from '../scan-context.ts';
import { exampleFor, flatten, schemaType } from '../schema-example.ts';

const CAT_BOLA = 'API1:2023';

/** "basketId" ~ "BasketId" ~ "basket_id": a body field that names a captured object. */
const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * API1 BOLA through the body: an object named in the request body rather
 * than the path (`POST /api/BasketItems {"BasketId": …}`). For every
 * captured object of user A (a basket id from the login) and every write
 * whose body has a field of that name, user B sends A's id there; it counts
 * only when A's own read of the object changed afterwards.
 */
export async function probeBodyBola(ctx: ScanContext): Promise<void> {
  if (ctx.readOnly) return;
  let tried = 0;
  for (const capture of ctx.auth.captures.filter((c) => c.itemPath)) {
    const id = ctx.a.vars[capture.name];
    const itemPath = capture.itemPath as string;
    if (id === undefined) continue;
    for (const op of ctx.api.operations.filter(
      (o) =>
        ['POST', 'PUT', 'PATCH'].includes(o.method) && o.bodySchema && !isAdminOp(ctx, o) && !isAuthPath(ctx, o.path),
    )) {
      const props = (flatten(op.bodySchema ?? {}).properties ?? {}) as Record<string, Record<string, unknown>>;
      const field = Object.keys(props).find((k) => norm(k) === norm(capture.name));
      const params = paramsForPath(ctx, op.path);
      if (!field || params === null) continue;
      const value =
        ['integer', 'number'].includes(schemaType(flatten(props[field] ?? {})) ?? '') && /^\d+$/.test(id)
          ? Number(id)
          : id;
      const body = { ...(exampleFor(op.bodySchema ?? {}) as Record<string, unknown>), [field]: value };
      const read = { method: 'GET', path: itemPath.replace(/\{[^}]+\}/, encodeURIComponent(id)) };
      tried += 1;
      const before = await call(ctx, read, { user: ctx.a });
      const ex = await call(ctx, op, { user: ctx.b, params, json: body });
      if (!ok2xx(ex) || !ok2xx(before)) continue;
      const after = await call(ctx, read, { user: ctx.a });
      if (ok2xx(after) && after.response?.body !== before.response?.body) {
        ctx.sink.add({
          ruleId: 'rampart-api1-bola-body',
          title: "Another user can act on a user's object named in the request body",
          category: CAT_BOLA,
          severity: 'high',
          endpoint: endpoint(op),
          evidence: ex,
          description: `User B sent ${op.method} ${op.path} with "${field}": ${JSON.stringify(value)} (user A's ${capture.name}) and got ${ex.response?.status}; A's own read of ${itemPath} changed afterwards. An object named in the body must be checked against the caller exactly as one in the path; answer 403/404.`,
        });
      }
    }
  }
  if (tried > 0)
    ctx.notes.push(`security scan: ${tried} write(s) tried as user B with user A's captured ids in the body`);
}
