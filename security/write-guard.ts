import type { ScanUser } from './auth.ts';
import { templateRegex } from './openapi.ts';

/** What the scan made: the ids its POSTs answered, its users, their captured values (a basket id). */
export interface Ownership {
  createdIds: ReadonlySet<string>;
  createdItems: ReadonlySet<string>;
  users: readonly ScanUser[];
}

export const WRITE_METHODS = new Set(['DELETE', 'PUT', 'PATCH']);

/** Body fields that name another object ("id", "_id", "productId", "basket_id"). */
const ID_FIELD = /^(id|_id|.+Id|.+_id|.+ID)$/;

function ownedValues(own: Ownership): Set<string> {
  const out = new Set<string>(own.createdIds);
  for (const u of own.users) {
    if (u.id) out.add(u.id);
    for (const v of Object.values(u.vars)) out.add(v);
  }
  return out;
}

/** An id the scan makes up for a control request (`rampart-absent-` and 8 random hex digits): it names no object at all. */
export const ABSENT_ID_PREFIX = 'rampart-absent-';
const ABSENT_ID = /^rampart-absent-[0-9a-f]{8}$/;

/** `{"$in": [ids]}` or `{"$eq": id}` of the scan's own ids (or made-up absent ids) only: an operator that can match nothing else. */
function ownedOperator(v: object, owned: Set<string>): boolean {
  const entries = Object.entries(v);
  if (entries.length !== 1) return false;
  const [op, arg] = entries[0] as [string, unknown];
  const ours = (x: unknown) =>
    (typeof x === 'string' || typeof x === 'number') && (owned.has(String(x)) || ABSENT_ID.test(String(x)));
  if (op === '$eq') return ours(arg);
  return op === '$in' && Array.isArray(arg) && arg.length > 0 && arg.every(ours);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The values a concrete path puts in its template's parameters (the most literal template that matches). */
function pathValues(path: string, templates: readonly string[]): string[] | null {
  const matching = templates.filter((t) => templateRegex(t).test(path));
  const best = matching.sort((x, y) => (x.match(/\{/g) ?? []).length - (y.match(/\{/g) ?? []).length)[0];
  if (best === undefined) return null;
  const t = best.split('/');
  const p = path.replace(/\/$/, '').split('/');
  return t.flatMap((seg, i) => (/^\{[^}]+\}$/.test(seg) ? [decode(p[i] ?? '')] : []));
}

/** Id-looking segments of a path no template describes (numbers, UUIDs, long hex or tokens). */
function idLikeSegments(path: string): string[] {
  return path
    .split('/')
    .filter((s) => /^\d+$|^[0-9a-f]{8}-[0-9a-f]{4}-|^[0-9a-f]{12,}$|^[\w-]{20,}$/i.test(s))
    .map(decode);
}

/**
 * Does a DELETE/PUT/PATCH touch only what the scan made? The path is matched
 * to the document's templates and every id it carries must be the scan's (an
 * object a scan user created, a scan user, a value captured from a scan
 * user's login); an `id`-like field of the body must be too (an operator
 * object such as `{"$ne": -1}` can match every row: never the scan's). A
 * path without ids is the caller's own ("/users/me"): the scan's when the
 * caller is a scan user. Returns why not, or null when the write is the scan's own.
 */
export function foreignWrite(
  own: Ownership,
  path: string,
  body: unknown,
  caller: ScanUser | null,
  templates: readonly string[],
): string | null {
  const p = path.split('?')[0] ?? path;
  if ([...own.createdItems].some((c) => p === c || p.startsWith(`${c}/`))) return null;
  const owned = ownedValues(own);
  const values = pathValues(p, templates) ?? idLikeSegments(p);
  const foreign = values.find((v) => !owned.has(v));
  if (foreign !== undefined) return `the object ${foreign} was not created by the scan`;
  if (values.length === 0 && caller && !own.users.includes(caller))
    return `"${p}" is ${caller.label}'s own object, not the scan's`;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const [k, v] of Object.entries(body)) {
      if (!ID_FIELD.test(k) || v === undefined || v === null) continue;
      if (typeof v === 'object') {
        if (ownedOperator(v, owned)) continue;
        return `the body's "${k}" is an object (an operator can match objects the scan did not create)`;
      }
      if (!owned.has(String(v))) return `the body's "${k}" (${String(v)}) names an object the scan did not create`;
    }
  }
  return null;
}
