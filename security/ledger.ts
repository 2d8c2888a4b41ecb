import { setTimeout as sleep } from 'node:timers/promises';
import type { ScanUser } from './auth.ts';
import { fillTemplate, getPointer } from './auth-config.ts';
import { overlap } from './content.ts';
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

interface Restore { what: string; method: string; path: string; json: unknown; user: ScanUser; /** The object as it was (a GET of `path`), to check the restore took. */ before?: string }

/**
 * Leave no trace: what the scan created or changed. Every object a scan user
 * created (a 2xx POST whose answer carries an id, on a collection with a
 * documented DELETE) is deleted as its creator at the end; objects changed
 * by a successful attack are put back from their pre-image; what cannot be
 * undone is listed in the report.
 */
export class Ledger {
  private readonly restores: Restore[] = [];
  private readonly left: string[] = [];
  readonly users: ScanUser[] = [];

  restoreLater(r: Restore): void {
    this.restores.push(r);
  }

  cannotUndo(what: string): void {
    this.left.push(what);
  }

  async cleanUp(ctx: ScanContext): Promise<void> {
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
    let restored = 0;
    for (const r of this.restores) {
      const ex = await call(ctx, { method: r.method, path: r.path }, { user: r.user, json: r.json });
      const check = ok2xx(ex) && r.before !== undefined ? await call(ctx, { method: 'GET', path: r.path }, { user: r.user }) : null;
      if (ok2xx(ex) && (!check || overlap(r.before ?? '', check.response?.body ?? '') >= 0.99)) restored += 1;
      else this.left.push(`${r.what} (restoring with ${r.method} ${r.path} answered ${ex.response?.status ?? ex.error})`);
    }
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
