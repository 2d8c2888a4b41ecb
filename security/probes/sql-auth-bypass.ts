import { randomBytes } from 'node:crypto';
import { fillTemplate } from '../auth-config.ts';
import { varsFor } from '../auth.ts';
import { carriesAny } from '../content.ts';
import type { Exchange } from '../http.ts';
import { cookiesSet, ok2xx } from '../http.ts';
import type { ScanContext } from '../scan-context.ts';
import { call } from '../scan-context.ts';

const CAT = 'injection';

/** Tautologies with the comment terminators of the common databases, and "the victim's name, rest commented out". */
export function tautologies(victimEmail: string): string[] {
  return [
    `${victimEmail}'--`,
    `${victimEmail}' -- `,
    `${victimEmail}'#`,
    "' OR 1=1--",
    "' OR '1'='1'--",
    "' OR 1=1#",
    "') OR 1=1--",
    "')) OR 1=1--",
    '" OR ""="',
    "' OR 1=1/*",
  ];
}

/** The login field that carries the user's name (the one bound to {{email}}, else {{handle}}). */
function identityField(ctx: ScanContext): string | null {
  const body = ctx.auth.login?.body ?? {};
  for (const placeholder of ['{{email}}', '{{handle}}']) {
    const hit = Object.entries(body).find(([, v]) => v === placeholder);
    if (hit) return hit[0];
  }
  return null;
}

/** Did a login answer open a session (the configured token, or cookies for cookie sessions)? */
export function sessionFrom(ctx: ScanContext, ex: Exchange): boolean {
  if (!ok2xx(ex)) return false;
  const src = ctx.auth.login?.token;
  if (!src) return false;
  if (src.source === 'none') return Object.keys(cookiesSet(ex)).length > 0;
  if (src.source === 'cookie') return cookiesSet(ex)[src.name] !== undefined;
  if (src.source === 'header') return ex.response?.headers[src.name.toLowerCase()] !== undefined;
  return /"[^"]*token[^"]*"\s*:\s*"[^"]{8,}"/i.test(ex.response?.body ?? '');
}

/**
 * SQL injection in the login: a tautology (or the victim's name with the
 * rest of the query commented out) and a wrong password. A session in the
 * answer is an authentication bypass, reported as such (not as what the
 * answer happens to leak).
 */
export async function probeSqlAuthBypass(ctx: ScanContext): Promise<void> {
  const login = ctx.auth.login;
  if (!login) return;
  const field = identityField(ctx);
  if (!field) {
    ctx.notes.push('security scan: the login body has no {{email}}/{{handle}} field; SQL login bypass not tried');
    return;
  }
  const wrong = `rampart-wrong-${randomBytes(4).toString('hex')}`;
  // Control: a plain wrong password must not look like a session (some apps set a cookie on every answer).
  const control = await call(
    ctx,
    { method: login.method, path: login.path },
    { user: null, token: '', json: fillTemplate(login.body, varsFor({ ...ctx.a, password: wrong })) },
  );
  if (sessionFrom(ctx, control)) {
    ctx.notes.push(
      'security scan: a failed login also answers with what looks like a session; the SQL login bypass could not be judged',
    );
    return;
  }
  for (const payload of tautologies(ctx.a.email)) {
    const body = {
      ...(fillTemplate(login.body, varsFor({ ...ctx.a, password: wrong })) as Record<string, unknown>),
      [field]: payload,
    };
    const ex = await call(ctx, { method: login.method, path: login.path }, { user: null, token: '', json: body });
    if (ex.response?.status === 429) {
      ctx.notes.push(
        'security scan: the login answered 429 during the SQL login bypass probe; not all payloads were tried',
      );
      return;
    }
    if (!sessionFrom(ctx, ex)) continue;
    const asVictim = (ctx.a.email !== '' && payload.startsWith(ctx.a.email)) || carriesAny(ex, [ctx.a.email, ctx.a.id]);
    ctx.sink.add({
      ruleId: 'rampart-inj-sql-auth-bypass',
      title: 'Authentication bypass by SQL injection in the login',
      category: CAT,
      severity: 'critical',
      endpoint: `${login.method} ${login.path}`,
      evidence: ex,
      description: `Logging in with ${field} = ${JSON.stringify(payload)} and a wrong password returned a session${asVictim ? ' (as user A, whose password was not given)' : ' (as whichever account the query returned first, often an administrator)'}. The login builds SQL from the input: use parameterised queries and compare password hashes in code.`,
    });
    return;
  }
}
