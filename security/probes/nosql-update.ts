import { randomBytes } from 'node:crypto';
import type { ScanUser } from '../auth.ts';
import { isCatchAllPage } from '../content.ts';
import { ok2xx } from '../http.ts';
import type { ApiOperation } from '../openapi.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, isAdminOp, isAuthPath, paramsForPath } from '../scan-context.ts';
import { exampleFor, flatten, schemaType } from '../schema-example.ts';
import { ABSENT_ID_PREFIX } from '../write-guard.ts';

const CAT = 'injection';
/** The body field that names the object an update changes (other id fields name other objects). */
const OWN_ID = /^(id|_id)$/;

interface Own {
  id: string;
  collection: string;
  creator: ScanUser;
}

/** An object the scan created, of the kind the operation changes: its collection ends with the operation's last word. */
function ownObjectFor(ctx: ScanContext, op: ApiOperation): Own | null {
  const word = op.path
    .split('/')
    .filter((s) => s !== '' && !s.startsWith('{'))
    .pop();
  if (!word) return null;
  const users = [ctx.a, ctx.b, ...ctx.pool, ...ctx.ledger.users];
  for (const [item, actor] of ctx.ledger.creators) {
    const segments = item.split('/');
    const collection = segments.slice(0, -1).join('/');
    const creator = users.find((u) => u.label === actor);
    if (creator && segments.at(-2) === word)
      return { id: decodeURIComponent(segments.at(-1) ?? ''), collection, creator };
  }
  return null;
}

/** The value at an object whose `id`/`_id` is `id`, anywhere in a JSON body (an item, `{data: item}`, a list). */
function findObject(value: unknown, id: string, depth = 0): Record<string, unknown> | null {
  if (depth > 6 || value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (const v of value) {
      const hit = findObject(v, id, depth + 1);
      if (hit) return hit;
    }
    return null;
  }
  const o = value as Record<string, unknown>;
  const own = o.id ?? o._id;
  if ((typeof own === 'string' || typeof own === 'number') && String(own) === id) return o;
  for (const v of Object.values(o)) {
    const hit = findObject(v, id, depth + 1);
    if (hit) return hit;
  }
  return null;
}

/** The scan's own object as its creator reads it back (its item, else found in its collection); null when unreadable. */
async function readOwn(ctx: ScanContext, own: Own): Promise<string | null> {
  for (const path of [`${own.collection}/${encodeURIComponent(own.id)}`, own.collection]) {
    const ex = await call(ctx, { method: 'GET', path }, { user: own.creator });
    if (!ok2xx(ex) || isCatchAllPage(ctx.catchAll, ex)) continue;
    try {
      const hit = findObject(JSON.parse(ex.response?.body ?? ''), own.id);
      if (hit) return JSON.stringify(hit);
    } catch {
      // not JSON: try the collection
    }
  }
  return null;
}

/** The path names the object itself (`PUT /posts/{id}`): the server updates that one whatever the body's id says. */
const objectInPath = (path: string) => /\{[^}]+\}$/.test(path);

/**
 * NoSQL operator injection on updates, whatever the plain request answered: the id of an object the scan
 * created goes in as `{"$in": [id]}`. A store that takes the body as a query selects the object by it and
 * changes it, so `{"$ne": …}` would change every row; a server that checks types refuses it. Only the scan's
 * own object can match: no harm. PUT/PATCH only, and not where the path names the object (a create, or an update
 * of the path's object, stores the marker whatever the body's id is). A control goes first: the same body with
 * `{"$in": ["<an id that exists nowhere>"]}` must change nothing (a server that ignores the body's id and updates
 * the caller's object anyway is not taking the operator as a query). Found only when the scan's own object, read
 * back, carries the marker of the operator request and not the control's.
 */
export async function probeNoSqlUpdate(ctx: ScanContext): Promise<void> {
  if (ctx.readOnly) return;
  const ops = ctx.api.operations.filter(
    (o) =>
      ['PUT', 'PATCH'].includes(o.method) &&
      o.bodySchema &&
      !objectInPath(o.path) &&
      !isAdminOp(ctx, o) &&
      !isAuthPath(ctx, o.path),
  );
  let tried = 0;
  let controlled = 0;
  for (const op of ops) {
    const props = (flatten(op.bodySchema ?? {}).properties ?? {}) as Record<string, Record<string, unknown>>;
    const idField = Object.keys(props).find((k) => OWN_ID.test(k));
    const own = idField ? ownObjectFor(ctx, op) : null;
    const params = paramsForPath(ctx, op.path);
    if (!idField || !own || params === null) continue;
    tried += 1;
    const base = exampleFor(op.bodySchema ?? {}) as Record<string, unknown>;
    const bodyWith = (marker: string, selector: unknown): Record<string, unknown> => {
      const body: Record<string, unknown> = { ...(base && typeof base === 'object' ? base : {}) };
      for (const [k, s] of Object.entries(props))
        if (k !== idField && schemaType(flatten(s)) === 'string') body[k] = marker;
      return { ...body, [idField]: selector };
    };
    // The control: an operator that selects nothing must change nothing.
    const controlMarker = `rampart-nosql-control-${randomBytes(4).toString('hex')}`;
    await call(ctx, op, {
      user: own.creator,
      params,
      json: bodyWith(controlMarker, { $in: [`${ABSENT_ID_PREFIX}${randomBytes(4).toString('hex')}`] }),
    });
    if ((await readOwn(ctx, own))?.includes(controlMarker)) {
      controlled += 1;
      continue;
    }
    const marker = `rampart-nosql-${randomBytes(4).toString('hex')}`;
    const id = /^\d+$/.test(own.id) ? Number(own.id) : own.id;
    const ex = await call(ctx, op, { user: own.creator, params, json: bodyWith(marker, { $in: [id] }) });
    if (!ok2xx(ex) || isCatchAllPage(ctx.catchAll, ex)) continue;
    if (!(await readOwn(ctx, own))?.includes(marker)) continue;
    ctx.sink.add({
      ruleId: 'rampart-inj-nosql',
      title: 'NoSQL operator injection on an update',
      category: CAT,
      severity: 'critical',
      endpoint: op.key,
      evidence: ex,
      description: `${op.key} took {"$in": [${JSON.stringify(id)}]} in "${idField}" as a query and changed the object it selected (the scan's own, ${own.collection}/${own.id}, read back with the marker), while the same body selecting an id that exists nowhere changed nothing: {"$ne": …} there changes every row, whoever owns it. Check that "${idField}" is a plain value (a number or a string) before it reaches the store, and check the owner.`,
    });
  }
  ctx.notes.push(
    `security scan: NoSQL operator injection on updates tried on ${tried} operation(s) with an object of the scan's own${controlled ? ` (${controlled} changed that object for an operator selecting nothing too: the body's id is not taken as a query there, not reported)` : ''}`,
  );
}
