import { setTimeout as sleep } from 'node:timers/promises';
import type { ScanUser } from './auth.ts';
import { fillTemplate, getPointer } from './auth-config.ts';
import { isCatchAllPage, overlap } from './content.ts';
import type { Exchange } from './http.ts';
import { jsonBody, ok2xx } from './http.ts';
import { templateRegex } from './openapi.ts';
import type { ScanContext } from './scan-context.ts';
import { call } from './scan-context.ts';

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

/**
 * Leave no trace: what the scan created or changed. Every object a scan user
 * created (a 2xx POST whose answer carries an id, on a collection with a
 * documented DELETE) is deleted as its creator at the end; any other object a
 * PUT/PATCH of the scan touched was read first and is put back from that
 * pre-image when it changed; what cannot be undone is listed in the report.
 */
export class Ledger {
  private readonly left: string[] = [];
  readonly users: ScanUser[] = [];
  /** Item paths the scan's own POSTs created (changes to them need no restore). */
  private readonly created = new Set<string>();
  /** Concrete path → the object before the scan's first PUT/PATCH on it. */
  private readonly preImages = new Map<string, { method: string; user: ScanUser; before: Exchange; path: string } | null>();
  private cleaning = false;

  noteCreated(ex: Exchange): void {
    const id = ok2xx(ex) ? findId(jsonBody(ex)) : null;
    if (id !== null) this.created.add(`${new URL(ex.request.url).pathname.replace(/\/$/, '')}/${encodeURIComponent(id)}`);
  }

  async keepPreImage(ctx: ScanContext, method: string, path: string, user: ScanUser): Promise<void> {
    const p = path.split('?')[0] ?? path;
    const key = `${user.label} ${p}`; // "/users/me" is another object for each user
    if (this.cleaning || this.preImages.has(key) || [...this.created].some((c) => p === c || p.startsWith(`${c}/`))) return;
    this.preImages.set(key, null);
    const before = await call(ctx, { method: 'GET', path: p }, { user });
    if (ok2xx(before) && !isCatchAllPage(ctx.catchAll, before) && jsonBody(before) !== undefined) this.preImages.set(key, { method, user, before, path: p });
  }

  cannotUndo(what: string): void {
    this.left.push(what);
  }

  async cleanUp(ctx: ScanContext): Promise<void> {
    this.cleaning = true;
    const byLabel = new Map(this.users.map((u) => [u.label, u]));
    const authPaths = new Set([ctx.auth.register.path, ctx.auth.login.path, ctx.auth.logout?.path, ...ctx.auth.preSteps.map((s) => s.path)]);
    const deletes = ctx.api.operations.filter((o) => o.method === 'DELETE' && /\{[^}]+\}$/.test(o.path));
    const targets = new Map<string, { user: ScanUser; op: { method: string; path: string } }>();
    for (const ex of [...ctx.client.history]) {
      if (ex.request.method !== 'POST' || !ok2xx(ex)) continue;
      const path = new URL(ex.request.url).pathname;
      if (authPaths.has(path)) continue;
      const user = byLabel.get(ex.actor);
      const id = findId(jsonBody(ex));
      if (!user || id === null) continue;
      const item = `${path.replace(/\/$/, '')}/${encodeURIComponent(id)}`;
      const del = deletes.find((d) => templateRegex(d.path).test(item));
      if (del) targets.set(item, { user, op: { method: 'DELETE', path: item } });
      else this.left.push(`${objectName(ex)} ${id} (created with POST ${path}; the API documents no DELETE for it)`);
    }
    let removed = 0;
    let gone = 0;
    let waitedMs = 0;
    for (const [item, t] of targets) {
      let ex = await call(ctx, t.op, { user: t.user });
      // The full profile waits out a rate limit (bounded) so it can remove everything; quick lists what is left.
      if (ex.response?.status === 429 && ctx.profile === 'full' && waitedMs < 120_000) {
        const ms = Math.min(Number(ex.response.headers['retry-after'] ?? 5) * 1000 || 5000, 61_000);
        waitedMs += ms;
        await sleep(ms, undefined, { signal: ctx.signal });
        ex = await call(ctx, t.op, { user: t.user });
      }
      if (ok2xx(ex)) removed += 1;
      else if (ex.response?.status === 404 || ex.response?.status === 410) gone += 1;
      else this.left.push(`${item} (DELETE as ${t.user.label} answered ${ex.response?.status ?? ex.error})`);
    }
    const restored = await this.restoreChanged(ctx);
    let accounts = 0;
    const del = ctx.auth.deleteAccount;
    for (const u of this.users) {
      if (!del) continue;
      const ex = await call(ctx, { method: del.method, path: del.path }, { user: u, json: fillTemplate(del.body, { ...u.vars, email: u.email, password: u.password }) });
      if (ok2xx(ex)) accounts += 1;
      else this.left.push(`account ${u.email} (${del.method} ${del.path} answered ${ex.response?.status ?? ex.error})`);
    }
    if (!del && this.users.length > 0) {
      this.left.push(`${this.users.length} scan account(s) rampart-*@${ctx.auth.emailDomain} (set deleteAccount in --auth-config to remove them)`);
    }
    ctx.notes.push(`security scan: clean-up removed ${removed} created object(s)${gone ? ` (${gone} already gone)` : ''}, restored ${restored} changed object(s), deleted ${accounts} account(s)`);
    if (this.left.length > 0) ctx.notes.push(`security scan: left on the target (everything the scan made is tagged "rampart"): ${[...new Set(this.left)].slice(0, 40).join('; ')}`);
  }

  /** Objects the scan changed but did not create: compared with their pre-image, and put back when they differ. */
  private async restoreChanged(ctx: ScanContext): Promise<number> {
    let restored = 0;
    for (const pre of this.preImages.values()) {
      if (!pre) continue;
      const path = pre.path;
      const before = pre.before.response?.body ?? '';
      const now = await call(ctx, { method: 'GET', path }, { user: pre.user });
      if (!ok2xx(now) || overlap(before, now.response?.body ?? '') >= 0.99) continue;
      const op = ctx.api.operations.find((o) => o.method === pre.method && templateRegex(o.path).test(path));
      const body = restoreBody(jsonBody(pre.before), op?.bodySchema ?? null);
      let put = await call(ctx, { method: pre.method, path }, { user: pre.user, json: body });
      if (!ok2xx(put) && ctx.admin) put = await call(ctx, { method: pre.method, path }, { user: ctx.admin, json: body });
      const check = ok2xx(put) ? await call(ctx, { method: 'GET', path }, { user: pre.user }) : null;
      if (check && overlap(before, check.response?.body ?? '') >= 0.99) restored += 1;
      else this.left.push(`${path} changed by the scan (${pre.method} to restore it answered ${put.response?.status ?? put.error}${check ? ', but it still differs' : ''})`);
    }
    return restored;
  }
}

function objectName(ex: Exchange): string {
  return new URL(ex.request.url).pathname.split('/').filter(Boolean).pop() ?? 'object';
}

/** What to send back to restore an object: the pre-image's fields the body schema names (unwrapping {"data": {...}}). */
export function restoreBody(preImage: unknown, bodySchema: Record<string, unknown> | null): unknown {
  const names = Object.keys((bodySchema?.properties ?? {}) as object);
  if (!preImage || typeof preImage !== 'object' || names.length === 0) return preImage;
  const candidates = [preImage, ...Object.values(preImage).filter((v) => v && typeof v === 'object' && !Array.isArray(v))] as Record<string, unknown>[];
  const best = candidates.sort((x, y) => names.filter((n) => n in y).length - names.filter((n) => n in x).length)[0] ?? {};
  return Object.fromEntries(names.filter((n) => n in best).map((n) => [n, best[n]]));
}
