import type { ScanUser } from './auth.ts';
import { getPointer } from './auth-config.ts';
import { isCatchAllPage } from './content.ts';
import type { Exchange } from './http.ts';
import { jsonBody, ok2xx } from './http.ts';
import type { ScanContext } from './scan-context.ts';
import { call, templateEndpoint } from './scan-context.ts';
import { foreignWrite } from './write-guard.ts';
import type { Ownership } from './write-guard.ts';

/** The id of what a create answered: /id, /data/id, or the id of the first nested object. */
export function findId(body: unknown): string | null {
  for (const candidate of [getPointer(body, '/id'), getPointer(body, '/data/id')]) {
    if (typeof candidate === 'string' || typeof candidate === 'number') return String(candidate);
  }
  if (body && typeof body === 'object') {
    for (const v of Object.values(body)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const id = (v as Record<string, unknown>).id;
        if (typeof id === 'string' || typeof id === 'number') return String(id);
      }
    }
  }
  return null;
}

/** An object before the scan's first write to it (only with --allow-destructive: the default never writes to it). */
export interface PreImage {
  method: string;
  writer: ScanUser;
  reader: ScanUser;
  before: Exchange;
  path: string;
  by: string;
}

/**
 * Do no harm, leave no trace: what the scan created, what it changed, and
 * the guard every DELETE/PUT/PATCH passes. By default a write reaches only
 * what the scan created (its objects, its users, their captured values);
 * with --allow-destructive any other object is read first (its snapshot), and
 * the clean-up puts it back and reads it again.
 */
export class Ledger implements Ownership {
  readonly left: string[] = [];
  readonly users: ScanUser[] = [];
  /** Item paths and ids the scan's own POSTs created (changes to them need no restore). */
  readonly createdItems = new Set<string>();
  readonly createdIds = new Set<string>();
  /** Created item path → the label of the user whose POST created it. */
  readonly creators = new Map<string, string>();
  /** Accounts a payload created (a 2xx register answer to a fuzz or injection case). */
  readonly payloadAccounts: string[] = [];
  /** Concrete path → the object before the scan's first PUT/PATCH/DELETE on it. */
  readonly preImages = new Map<string, PreImage | null>();
  /** Writes not sent because they would touch what the scan did not create: endpoint → count. */
  readonly refused = new Map<string, number>();
  /** Set while the clean-up runs: its deletes and restores are the undoing, not new harm. */
  cleaning = false;

  constructor(readonly allowDestructive = false) {}

  noteCreated(ctx: ScanContext, ex: Exchange): void {
    if (!ok2xx(ex)) return;
    const path = new URL(ex.request.url).pathname.replace(/\/$/, '');
    const register = ctx.auth.register;
    if (register && path === register.path && !this.users.some((u) => u.registerExchange === ex)) {
      const sent = safeJson(ex.request.body);
      const email = Object.entries(register.body).find(([, v]) => v === '{{email}}')?.[0];
      this.payloadAccounts.push(
        String(
          email && sent && typeof sent === 'object'
            ? (sent as Record<string, unknown>)[email]
            : ex.request.body?.slice(0, 80),
        ),
      );
      return;
    }
    const id = findId(jsonBody(ex));
    if (id === null) return;
    this.createdIds.add(id);
    const item = `${path}/${encodeURIComponent(id)}`;
    this.createdItems.add(item);
    if (!this.creators.has(item)) this.creators.set(item, ex.actor);
  }

  /**
   * The guard in front of every DELETE/PUT/PATCH: null to send it, or why it
   * was not sent. With --allow-destructive the object is read first.
   */
  async beforeWrite(
    ctx: ScanContext,
    method: string,
    path: string,
    body: unknown,
    user: ScanUser | null,
  ): Promise<string | null> {
    if (this.cleaning) return null;
    const why = foreignWrite(
      this,
      path,
      body,
      user,
      ctx.api.operations.map((o) => o.path),
    );
    if (why === null) return null;
    if (!this.allowDestructive) {
      const key = templateEndpoint(ctx, method, ctx.client.url(path));
      this.refused.set(key, (this.refused.get(key) ?? 0) + 1);
      return why;
    }
    await this.keepPreImage(ctx, method, path, user ?? ctx.a);
    return null;
  }

  private async keepPreImage(ctx: ScanContext, method: string, path: string, user: ScanUser): Promise<void> {
    const p = path.split('?')[0] ?? path;
    if (this.preImages.has(p)) return;
    this.preImages.set(p, null);
    // Read as the admin when there is one: the object may not be the writer's to read.
    const reader = ctx.admin ?? user;
    const before = await call(ctx, { method: 'GET', path: p }, { user: reader });
    if (ok2xx(before) && !isCatchAllPage(ctx.catchAll, before) && jsonBody(before) !== undefined) {
      this.preImages.set(p, {
        method,
        writer: user,
        reader,
        before,
        path: p,
        by: templateEndpoint(ctx, method, ctx.client.url(p)),
      });
    }
  }

  cannotUndo(what: string): void {
    this.left.push(what);
  }
}

function safeJson(s: string | undefined): unknown {
  try {
    return s === undefined ? undefined : (JSON.parse(s) as unknown);
  } catch {
    return undefined;
  }
}

/**
 * A body sent to the register operation by a fuzz or injection case, with
 * its e-mail and handle fields tagged: an account a payload manages to
 * create still carries "rampart" (the payload stays in the value, after the tag).
 */
export function tagAccountFields(ctx: ScanContext, path: string, body: unknown, n: number): unknown {
  if (!ctx.auth.register || path !== ctx.auth.register.path || !body || typeof body !== 'object' || Array.isArray(body))
    return body;
  const out = { ...(body as Record<string, unknown>) };
  for (const [k, v] of Object.entries(ctx.auth.register.body)) {
    if (v === '{{email}}')
      out[k] =
        typeof out[k] === 'string' && String(out[k]).startsWith('rampart')
          ? out[k]
          : `rampart-p${n}-${typeof out[k] === 'string' ? (out[k] as string) : ''}@${ctx.auth.emailDomain}`;
    else if (v === '{{handle}}')
      out[k] =
        typeof out[k] === 'string' && String(out[k]).startsWith('rs_')
          ? out[k]
          : `rs_p${n}${typeof out[k] === 'string' ? (out[k] as string) : ''}`;
  }
  return out;
}
