import { createUser } from '../auth.ts';
import { jsonBody, ok2xx } from '../http.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, templateEndpoint } from '../scan-context.ts';

const CAT = 'API3:2023';
const SENSITIVE_KEY =
  /^(password|passwd|password_?hash|passwordhash|hash|salt|password_?salt|secret|otp_?secret|totp_?secret|reset_?token|refresh_?token_?hash|api_?key_?hash)$/i;
const HASH_VALUE = /\$(argon2(id|i|d)|2[aby])\$|^[a-f0-9]{64}$|^pbkdf2/i;
const ESCALATION = { role: 'admin', roles: ['admin'], isAdmin: true, is_admin: true, admin: true };

function walk(value: unknown, visit: (key: string, v: unknown) => void, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    visit(k, v);
    walk(v, visit, depth + 1);
  }
}

/**
 * API3 passive part: every response the scan saw is read for password hashes,
 * salts and secrets, and for another scan user's email address.
 */
export function checkLeaks(ctx: ScanContext): void {
  // Sessions supplied as they are (a token, an API key) have no e-mail the scan knows.
  const emails = new Map<string, string>(
    ([[ctx.a.email, 'A'], [ctx.b.email, 'B'], ...ctx.pool.map((u) => [u.email, u.label])] as [string, string][]).filter(
      ([e]) => e !== '',
    ),
  );
  for (const ex of ctx.client.history) {
    if (!ex.response || !ok2xx(ex)) continue;
    const body = jsonBody(ex);
    let leaked: string | null = null;
    walk(body, (k, v) => {
      if (leaked) return;
      if (SENSITIVE_KEY.test(k) && typeof v === 'string' && v !== '' && v !== '[REDACTED]') leaked = k;
      else if (typeof v === 'string' && HASH_VALUE.test(v) && /\$(argon2|2[aby])\$/.test(v)) leaked = k;
    });
    if (leaked) {
      ctx.sink.add({
        ruleId: 'rampart-api3-sensitive-field',
        title: `Response exposes a sensitive field ("${leaked}")`,
        category: CAT,
        severity: 'high',
        endpoint: templateEndpoint(ctx, ex.request.method, ex.request.url),
        evidence: ex,
        description: `A response carried "${leaked}" (a password hash, salt or secret). Return an explicit allow-list of fields (a response DTO), never the database row.`,
      });
    }
    for (const [email, owner] of emails) {
      if (owner !== ex.actor && ex.actor !== 'anonymous' && ex.actor !== 'forged' && ex.response.body.includes(email)) {
        ctx.sink.add({
          ruleId: 'rampart-api3-other-user-email',
          title: "Response exposes another user's email address",
          category: CAT,
          severity: 'medium',
          endpoint: templateEndpoint(ctx, ex.request.method, ex.request.url),
          evidence: ex,
          description: `User ${ex.actor} received user ${owner}'s email address. Public views of users must leave out PII such as email.`,
        });
      }
    }
  }
}

function grantsAdmin(body: unknown): boolean {
  let admin = false;
  walk(body, (k, v) => {
    if (/^roles?$/i.test(k) && (v === 'admin' || (Array.isArray(v) && v.includes('admin')))) admin = true;
    if (/^is_?admin$|^admin$/i.test(k) && v === true) admin = true;
  });
  return admin;
}

/** API3 mass assignment: role/isAdmin sent on register and on a self-update must not be applied. */
export async function probeMassAssignment(ctx: ScanContext): Promise<void> {
  const me = ctx.auth.mePath ? { method: 'GET', path: ctx.auth.mePath } : null;
  if (ctx.readOnly) return;
  const register = ctx.auth.register;
  if (register)
    try {
      const escalated = await createUser(ctx.client, ctx.auth, 'M', ESCALATION);
      ctx.ledger.users.push(escalated);
      const check = me ? await call(ctx, me, { user: escalated }) : escalated.registerExchange;
      if (
        (escalated.registerExchange && grantsAdmin(jsonBody(escalated.registerExchange))) ||
        (check && grantsAdmin(jsonBody(check)))
      ) {
        ctx.sink.add({
          ruleId: 'rampart-api3-mass-assignment-register',
          title: 'Mass assignment: role set by the client on register',
          category: CAT,
          severity: 'critical',
          endpoint: `${register.method} ${register.path}`,
          evidence: escalated.registerExchange ?? null,
          description:
            'Registering with {"role":"admin","isAdmin":true} produced an administrator. Copy only the allowed fields from the request body (an explicit schema), never the whole body.',
        });
      }
    } catch (err) {
      ctx.notes.push(
        `security scan: mass-assignment check on register skipped: ${(err as Error).message.split('\n')[0]}`,
      );
    }
  if (!me) return;
  const updates = ctx.api.operations.filter((o) => o.path === me.path && (o.method === 'PATCH' || o.method === 'PUT'));
  for (const op of updates) {
    const ex = await call(ctx, op, { user: ctx.b, json: { ...ESCALATION } });
    const after = await call(ctx, me, { user: ctx.b });
    if (grantsAdmin(jsonBody(after)) || (ok2xx(ex) && grantsAdmin(jsonBody(ex)))) {
      ctx.sink.add({
        ruleId: 'rampart-api3-mass-assignment-update',
        title: 'Mass assignment: role set by the client on a profile update',
        category: CAT,
        severity: 'critical',
        endpoint: op.key,
        evidence: ex,
        description: `${op.key} with {"role":"admin"} made user B an administrator. Allow-list the updatable fields.`,
      });
    }
  }
}
