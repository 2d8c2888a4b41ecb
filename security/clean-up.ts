import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { ScanUser } from './auth.ts';
import { login } from './auth.ts';
import { fillTemplate } from './auth-config.ts';
import type { Exchange } from './http.ts';
import { jsonBody, ok2xx } from './http.ts';
import type { Ledger } from './ledger.ts';
import { templateRegex } from './openapi.ts';
import type { JsonSchema } from './openapi.ts';
import { redactBody } from './redact.ts';
import type { ScanContext } from './scan-context.ts';
import { call } from './scan-context.ts';

const gone = (ex: Exchange) => ex.response !== null && !ok2xx(ex) && [404, 410].includes(ex.response.status);

/**
 * Leave no trace: delete, as their creator, the objects the scan's users
 * created (each read back: it must be gone); put back every object the scan
 * changed but did not create (only with --allow-destructive) and read it
 * again; delete the scan accounts when the API offers a way. The notes then
 * list exactly what is left, each item checked against the target.
 */
export async function cleanUp(ctx: ScanContext, ledger: Ledger): Promise<void> {
  ledger.cleaning = true;
  // The scan's registered users, and supplied accounts (which create objects too, and delete them as their creator).
  const byLabel = new Map([ctx.a, ctx.b, ...ctx.pool, ...ledger.users].map((u) => [u.label, u]));
  const deletes = ctx.api.operations.filter((o) => o.method === 'DELETE' && /\{[^}]+\}$/.test(o.path));
  let removed = 0;
  let already = 0;
  let waitedMs = 0;
  for (const [item, actor] of ledger.creators) {
    const user = byLabel.get(actor) ?? ctx.a;
    const reread = () => call(ctx, { method: 'GET', path: item }, { user });
    if (!deletes.some((d) => templateRegex(d.path).test(item))) {
      const now = await reread();
      if (!gone(now))
        ledger.left.push(
          `${item} (created by ${actor}; the API documents no DELETE for it; read back: ${now.response?.status ?? now.error})`,
        );
      else already += 1;
      continue;
    }
    let ex = await call(ctx, { method: 'DELETE', path: item }, { user });
    // The full profile waits out a rate limit (bounded) so it can remove everything; quick lists what is left.
    if (ex.response?.status === 429 && ctx.profile === 'full' && waitedMs < 120_000) {
      const ms = Math.min(Number(ex.response.headers['retry-after'] ?? 5) * 1000 || 5000, 61_000);
      waitedMs += ms;
      await sleep(ms, undefined, { signal: ctx.signal });
      ex = await call(ctx, { method: 'DELETE', path: item }, { user });
    }
    if (gone(ex)) {
      already += 1;
      continue;
    }
    const after = await reread();
    if (ok2xx(ex) && (gone(after) || !ok2xx(after))) removed += 1;
    else
      ledger.left.push(
        `${item} (DELETE as ${user.label} answered ${ex.response?.status ?? ex.error}; read back: ${after.response?.status ?? after.error})`,
      );
  }
  const restored = await restoreChanged(ctx, ledger);
  const accounts = await deleteAccounts(ctx, ledger);
  ctx.notes.push(
    `security scan: clean-up removed ${removed} created object(s)${already ? ` (${already} already gone)` : ''}, restored ${restored.length} changed object(s), deleted ${accounts} account(s)`,
  );
  for (const r of restored) ctx.notes.push(`security scan: restored ${r}`);
  if (ledger.payloadAccounts.length > 0) {
    ledger.left.push(
      ...ledger.payloadAccounts.map(
        (e) =>
          `account ${JSON.stringify(e)} (registered by a fuzz or injection case; the scan cannot log in as it to remove it)`,
      ),
    );
  }
  const left = [...new Set(ledger.left)];
  ctx.notes.push(
    left.length > 0
      ? `security scan: left on the target (${left.length}; everything the scan made is tagged "rampart"): ${left.join('; ')}`
      : 'security scan: left on the target: nothing (every object the scan created was deleted and read back)',
  );
}

/** The fields a restore sends (the pre-image's fields the body schema names, unwrapping {"data": {...}}). */
export function restoreBody(preImage: unknown, bodySchema: JsonSchema | null): unknown {
  const names = Object.keys((bodySchema?.properties ?? {}) as object);
  const candidates =
    preImage && typeof preImage === 'object'
      ? ([
          preImage,
          ...Object.values(preImage).filter((v) => v && typeof v === 'object' && !Array.isArray(v)),
        ] as Record<string, unknown>[])
      : [];
  if (candidates.length === 0) return preImage;
  if (names.length === 0) {
    // No schema (a discovered operation): the wrapped object itself, without its id and timestamps.
    const inner = candidates.find((c) => c !== preImage && 'id' in c) ?? (candidates[0] as Record<string, unknown>);
    return Object.fromEntries(
      Object.entries(inner).filter(
        ([k, v]) =>
          !/^(id|_id|createdAt|updatedAt|created_at|updated_at)$/.test(k) && (v === null || typeof v !== 'object'),
      ),
    );
  }
  const best =
    candidates.sort((x, y) => names.filter((n) => n in y).length - names.filter((n) => n in x).length)[0] ?? {};
  return Object.fromEntries(names.filter((n) => n in best).map((n) => [n, best[n]]));
}

/** Fields of `expected` that `actual` (read back, unwrapped the same way) does not carry. */
function differing(expected: unknown, actualBody: unknown): string[] {
  if (!expected || typeof expected !== 'object') return isDeepStrictEqual(expected, actualBody) ? [] : ['(body)'];
  const candidates =
    actualBody && typeof actualBody === 'object'
      ? ([actualBody, ...Object.values(actualBody).filter((v) => v && typeof v === 'object')] as Record<
          string,
          unknown
        >[])
      : [];
  const fields = Object.entries(expected as Record<string, unknown>);
  const best =
    candidates.sort(
      (x, y) =>
        fields.filter(([k, v]) => isDeepStrictEqual(y[k], v)).length -
        fields.filter(([k, v]) => isDeepStrictEqual(x[k], v)).length,
    )[0] ?? {};
  return fields.filter(([k, v]) => !isDeepStrictEqual(best[k], v)).map(([k]) => k);
}

/** Objects the scan changed but did not create (--allow-destructive): put back from their snapshot and read again. */
async function restoreChanged(ctx: ScanContext, ledger: Ledger): Promise<string[]> {
  const done: string[] = [];
  for (const pre of ledger.preImages.values()) {
    if (!pre) continue;
    const now = await call(ctx, { method: 'GET', path: pre.path }, { user: pre.reader });
    const op = ctx.api.operations.find(
      (o) => (o.method === 'PUT' || o.method === 'PATCH') && templateRegex(o.path).test(pre.path),
    );
    const body = restoreBody(jsonBody(pre.before), op?.bodySchema ?? null);
    if (pre.method === 'DELETE' && gone(now)) {
      ledger.left.push(
        `${pre.path} deleted by ${pre.by} (--allow-destructive); the API cannot re-create it with its id; its snapshot: ${redactBody(JSON.stringify(body))?.slice(0, 300)}`,
      );
      continue;
    }
    if (!ok2xx(now) || differing(body, jsonBody(now)).length === 0) continue;
    const method = op?.method ?? (pre.method === 'DELETE' ? 'PUT' : pre.method);
    let put = await call(ctx, { method, path: pre.path }, { user: pre.writer, json: body });
    if (!ok2xx(put) && ctx.admin) put = await call(ctx, { method, path: pre.path }, { user: ctx.admin, json: body });
    const check = ok2xx(put) ? await call(ctx, { method: 'GET', path: pre.path }, { user: pre.reader }) : null;
    const still = check ? differing(body, jsonBody(check)) : [];
    if (check && still.length === 0)
      done.push(
        `${pre.path} after ${pre.by} (${method} with its snapshot: ${Object.keys(body as object).join(', ')}; read back equal)`,
      );
    else
      ledger.left.push(
        `${pre.path} changed by ${pre.by} (${method} to restore it answered ${put.response?.status ?? put.error}${check ? `; read back, ${still.join(', ')} still differ` : ''})`,
      );
  }
  return done;
}

/** Deletes the scan accounts when the API offers a way, and checks each can no longer log in. */
async function deleteAccounts(ctx: ScanContext, ledger: Ledger): Promise<number> {
  const del = ctx.auth.deleteAccount;
  if (!del) {
    ledger.left.push(
      ...ledger.users.map((u: ScanUser) => `account ${JSON.stringify(u.email)} (no deleteAccount in --auth-config)`),
    );
    return 0;
  }
  let deleted = 0;
  for (const u of ledger.users) {
    const ex = await call(
      ctx,
      { method: del.method, path: del.path },
      { user: u, json: fillTemplate(del.body, { ...u.vars, email: u.email, password: u.password }) },
    );
    const again = ok2xx(ex) ? await login(ctx.client, ctx.auth, u) : null;
    if (again && again.token === undefined) deleted += 1;
    else
      ledger.left.push(
        `account ${JSON.stringify(u.email)} (${del.method} ${del.path} answered ${ex.response?.status ?? ex.error}${again ? '; it still logs in' : ''})`,
      );
  }
  return deleted;
}
