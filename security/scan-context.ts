import type { Profile } from '../common/index.ts';
import type { AccountMode } from './accounts.ts';
import type { AuthConfig } from './auth-config.ts';
import type { ScanUser, Session } from './auth.ts';
import { credentials, sessionOf } from './auth.ts';
import { fillTemplate } from './auth-config.ts';
import type { CatchAll } from './content.ts';
import type { Ledger } from './ledger.ts';
import type { FindingSink } from './findings.ts';
import type { Exchange, ScanHttpClient } from './http.ts';
import type { ApiModel, ApiOperation } from './openapi.ts';
import { fillPath, templateRegex } from './openapi.ts';
import { WRITE_METHODS } from './write-guard.ts';

/** An object user A created during setup, found again by the collection it lives in. */
export interface CreatedObject {
  /** Path template of the item ("/v1/posts/{id}"). */
  itemPath: string;
  id: string;
  /** Created as private (or the API has no notion of visibility): B must not read it. */
  private: boolean;
  createdBy: string;
  body: unknown;
}

export interface ScanContext {
  client: ScanHttpClient;
  api: ApiModel;
  auth: AuthConfig;
  profile: Profile;
  seed: number;
  sink: FindingSink;
  a: ScanUser;
  b: ScanUser;
  /** Extra users for request-heavy probes, so per-user rate limits do not starve them. */
  pool: ScanUser[];
  /** itemPath template → A's object. */
  objects: Map<string, CreatedObject>;
  notes: string[];
  progress: (line: string) => void;
  signal: AbortSignal;
  /** The page made-up paths get (single-page apps answer every GET with it); null when they get 404. */
  catchAll: CatchAll | null;
  /** Only safe probes (GET/HEAD/OPTIONS; auth steps excepted). */
  readOnly: boolean;
  /** An existing administrator, when the auth config gives one. */
  admin: ScanUser | null;
  /** The document was discovered (HAR, app page), not written: no conformance findings from it. */
  discovered: boolean;
  /** What the scan created or changed, for the clean-up at the end. */
  ledger: Ledger;
  /** How the scan holds accounts: registered its own, supplied by the user, or none (anonymous). */
  accounts: AccountMode;
}

export interface CallOptions {
  user: ScanUser | null;
  /** Raw token to present instead of a user's (forged tokens). */
  token?: string;
  /** Cookies to present with a forged token (cookie sessions). */
  forgedCookies?: Record<string, string>;
  json?: unknown;
  raw?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  timeoutMs?: number;
}

const poolCursors = new WeakMap<ScanContext, number>();

/** The pool's users in turn (per scan), so request-heavy probes spread over per-user rate limits. */
export function nextPoolUser(ctx: ScanContext): ScanUser {
  const users = ctx.pool.length > 0 ? ctx.pool : [ctx.a];
  const next = ((poolCursors.get(ctx) ?? -1) + 1) % users.length;
  poolCursors.set(ctx, next);
  return users[next] as ScanUser;
}

/** Sends a request for `op` (or a plain method + path) as a user, with path params filled. */
export async function call(
  ctx: ScanContext,
  op: Pick<ApiOperation, 'method' | 'path'>,
  opts: CallOptions,
): Promise<Exchange> {
  const session: Session | null =
    opts.token !== undefined
      ? { token: opts.token, cookies: opts.forgedCookies ?? {} }
      : opts.user
        ? sessionOf(opts.user)
        : null;
  const templated = opts.user && op.path.includes('{{') ? (fillTemplate(op.path, opts.user.vars) as string) : op.path;
  const path = fillPath(templated, opts.params ?? {});
  const creds = credentials(ctx.auth, session, path);
  const qs = new URLSearchParams(opts.query ?? {}).toString();
  const query = [qs, creds.query].filter((s) => s !== '').join('&');
  const method = op.method.toUpperCase();
  // Do no harm: a DELETE/PUT/PATCH reaches only what the scan created (with --allow-destructive, anything, read first).
  if (WRITE_METHODS.has(method) && ctx.ledger) {
    const why = await ctx.ledger.beforeWrite(ctx, method, path, opts.json, opts.user);
    if (why !== null) return notSent(ctx, method, path, opts, why);
  }
  const ex = await ctx.client.send({
    method: op.method,
    path: query ? `${path}${path.includes('?') ? '&' : '?'}${query}` : path,
    headers: { ...creds.headers, ...opts.headers },
    actor: opts.token !== undefined ? 'forged' : (opts.user?.label ?? 'anonymous'),
    ...(opts.raw !== undefined ? { raw: opts.raw } : opts.json !== undefined ? { json: opts.json } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
  if (method === 'POST' && ctx.ledger) ctx.ledger.noteCreated(ctx, ex);
  return ex;
}

/** Path-parameter values that point at A's objects (or A's user id) for a path template. */
export function paramsForPath(ctx: ScanContext, template: string): Record<string, string> | null {
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
  if (names.length === 0) return {};
  const values: Record<string, string> = {};
  const segments = template.split('/');
  for (const name of names) {
    const idx = segments.indexOf(`{${name}}`);
    const itemPath = segments.slice(0, idx + 1).join('/');
    const obj = ctx.objects.get(itemPath);
    if (obj) values[name] = obj.id;
    else if (
      ctx.auth.usersCollection &&
      itemPath.replace(/\{[^}]+\}$/, '') === `${ctx.auth.usersCollection}/` &&
      ctx.a.id
    )
      values[name] = ctx.a.id;
    else return null;
  }
  return values;
}

export function endpoint(op: Pick<ApiOperation, 'method' | 'path'>): string {
  return `${op.method} ${op.path}`;
}

/** Admin-only by path pattern (all methods) or by a method-aware rule (`PUT /products/{id}` while GET is public). */
export function isAdminOp(ctx: Pick<ScanContext, 'auth'>, op: Pick<ApiOperation, 'method' | 'path'>): boolean {
  if (new RegExp(ctx.auth.adminPathPattern).test(op.path)) return true;
  return ctx.auth.adminRoutes.some(
    (r) => (!r.methods || r.methods.includes(op.method.toUpperCase())) && new RegExp(r.path).test(op.path),
  );
}

/** The auth contract's own routes (and anything that ends a session): attack probes leave them to the auth probes. */
export function isAuthPath(ctx: Pick<ScanContext, 'auth'>, path: string): boolean {
  const a = ctx.auth;
  return (
    [a.register?.path, a.login?.path, a.logout?.path, ...a.preSteps.map((s) => s.path)].includes(path) ||
    /log-?out|sign-?out|revoke/i.test(path)
  );
}

/** Methods that change nothing (what --read-only allows). */
export function isSafeMethod(method: string): boolean {
  return ['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/** "GET /v1/posts/{id}" for a concrete request (falls back to the concrete path). */
export function templateEndpoint(ctx: ScanContext, method: string, url: string): string {
  const path = new URL(url).pathname;
  const op = ctx.api.operations.find((o) => o.method === method && templateRegex(o.path).test(path));
  return `${method} ${op ? op.path : path}`;
}

/** The exchange of a write the guard kept back: no response, `notSent` says why (probes see a failure, fuzzing skips it). */
function notSent(ctx: ScanContext, method: string, path: string, opts: CallOptions, why: string): Exchange {
  return {
    request: {
      method,
      url: ctx.client.url(path),
      headers: {},
      ...(opts.json !== undefined ? { body: JSON.stringify(opts.json) } : {}),
    },
    response: null,
    error: `not sent: ${why}`,
    notSent: why,
    ms: 0,
    actor: opts.user?.label ?? 'anonymous',
  };
}
