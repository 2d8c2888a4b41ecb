import { randomBytes } from 'node:crypto';
import type { ScanUser } from '../auth.ts';
import { isCatchAllPage } from '../content.ts';
import { ok2xx } from '../http.ts';
import type { ApiOperation } from '../openapi.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, isAdminOp, isAuthPath, paramsForPath } from '../scan-context.ts';
import { exampleFor, flatten, schemaType } from '../schema-example.ts';

const CAT = 'injection';
/** The body field that names the object an update changes (other id fields name other objects). */
const OWN_ID = /^(id|_id)$/;

interface Own { id: string; collection: string; creator: ScanUser }

/** An object the scan created, of the kind the operation changes: its collection ends with the operation's last word. */
function ownObjectFor(ctx: ScanContext, op: ApiOperation): Own | null {
  const word = op.path.split('/').filter((s) => s !== '' && !s.startsWith('{')).pop();
  if (!word) return null;
  const users = [ctx.a, ctx.b, ...ctx.pool, ...ctx.ledger.users];
  for (const [item, actor] of ctx.ledger.creators) {
    const segments = item.split('/');
    const collection = segments.slice(0, -1).join('/');
    const creator = users.find((u) => u.label === actor);
    if (creator && segments.at(-2) === word) return { id: decodeURIComponent(segments.at(-1) ?? ''), collection, creator };
  }
  return null;
}

/**
 * NoSQL operator injection on updates, whatever the plain request answered: the id of an object the scan
 * created goes in as `{"$in": [id]}`. A store that takes the body as a query selects the object by it and
 * changes it (the marker comes back, or is read back from its collection), so `{"$ne": …}` would change
 * every row; a server that checks types refuses it. Only the scan's own object can match: no harm.
 */
export async function probeNoSqlUpdate(ctx: ScanContext): Promise<void> {
  if (ctx.readOnly) return;
  const ops = ctx.api.operations.filter((o) => ['PUT', 'PATCH', 'POST'].includes(o.method) && o.bodySchema && !isAdminOp(ctx, o) && !isAuthPath(ctx, o.path));
  let tried = 0;
  for (const op of ops) {
    const props = (flatten(op.bodySchema ?? {}).properties ?? {}) as Record<string, Record<string, unknown>>;
    const idField = Object.keys(props).find((k) => OWN_ID.test(k));
    const own = idField ? ownObjectFor(ctx, op) : null;
    const params = paramsForPath(ctx, op.path);
    if (!idField || !own || params === null) continue;
    tried += 1;
    const marker = `rampart-nosql-${randomBytes(4).toString('hex')}`;
    const base = exampleFor(op.bodySchema ?? {}) as Record<string, unknown>;
    const body: Record<string, unknown> = { ...(base && typeof base === 'object' ? base : {}) };
    for (const [k, s] of Object.entries(props)) if (k !== idField && schemaType(flatten(s)) === 'string') body[k] = marker;
    const id = /^\d+$/.test(own.id) ? Number(own.id) : own.id;
    const ex = await call(ctx, op, { user: own.creator, params, json: { ...body, [idField]: { $in: [id] } } });
    if (!ok2xx(ex) || isCatchAllPage(ctx.catchAll, ex)) continue;
    const readBack = ex.response?.body.includes(marker) ? ex : await call(ctx, { method: 'GET', path: own.collection }, { user: own.creator });
    if (!readBack.response?.body.includes(marker)) continue;
    ctx.sink.add({
      ruleId: 'rampart-inj-nosql', title: 'NoSQL operator injection on an update', category: CAT, severity: 'critical', endpoint: op.key, evidence: ex,
      description: `${op.key} took {"$in": [${JSON.stringify(id)}]} in "${idField}" as a query and changed the object it selected (the scan's own, ${own.collection}/${own.id}): {"$ne": …} there changes every row, whoever owns it. Check that "${idField}" is a plain value (a number or a string) before it reaches the store, and check the owner.`,
    });
  }
  ctx.notes.push(`security scan: NoSQL operator injection on updates tried on ${tried} operation(s) with an object of the scan's own`);
}
