import { randomBytes } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { fillTemplate } from '../auth-config.ts';
import { login, varsFor } from '../auth.ts';
import type { ScanUser } from '../auth.ts';
import { revealsProtected } from '../content.ts';
import { probeXffBypass } from './rate-limit-bypass.ts';
import { ok2xx } from '../http.ts';
import type { ApiOperation } from '../openapi.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, endpoint, paramsForPath } from '../scan-context.ts';

const CAT = 'API2:2023';
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

interface ForgedToken {
  name: string;
  ruleId: string;
  token: string | null;
  cookies?: Record<string, string>;
  severity: 'high' | 'critical';
  why: string;
}

/** Tokens an attacker can make without the server's key, derived from a real one. */
export async function forgeTokens(real: string): Promise<ForgedToken[]> {
  const out: ForgedToken[] = [
    {
      name: 'no token',
      ruleId: 'rampart-api2-no-token',
      token: null,
      severity: 'critical',
      why: 'a request without any token',
    },
    {
      name: 'garbage token',
      ruleId: 'rampart-api2-garbage-token',
      token: randomBytes(24).toString('base64url'),
      severity: 'critical',
      why: 'a random string as the token',
    },
  ];
  let payload: Record<string, unknown>;
  let header: Record<string, unknown>;
  try {
    payload = decodeJwt(real) as Record<string, unknown>;
    header = decodeProtectedHeader(real) as Record<string, unknown>;
  } catch {
    return out; // opaque token: nothing to forge
  }
  const wrongKey = randomBytes(32);
  const now = Math.floor(Date.now() / 1000);
  out.push(
    {
      name: 'alg:none',
      ruleId: 'rampart-api2-alg-none',
      token: `${b64url({ ...header, alg: 'none' })}.${b64url(payload)}.`,
      severity: 'critical',
      why: "a copy of a real token with header alg 'none' and no signature",
    },
    {
      name: 'wrong signature',
      ruleId: 'rampart-api2-wrong-signature',
      severity: 'critical',
      why: 'a copy of a real token re-signed with a key the server does not have',
      token: await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(wrongKey),
    },
    {
      name: 'expired',
      ruleId: 'rampart-api2-expired-token',
      severity: 'high',
      why: 'a copy of a real token with exp an hour in the past (signed with a wrong key, as the scanner has no other: a server must refuse it for either reason)',
      token: await new SignJWT({ ...payload, iat: now - 7200, nbf: now - 7200, exp: now - 3600 })
        .setProtectedHeader({
          alg: typeof header.alg === 'string' && header.alg.startsWith('HS') ? header.alg : 'HS256',
          typ: 'JWT',
        })
        .sign(wrongKey),
    },
  );
  return out;
}

function securedTargets(ctx: ScanContext): { op: ApiOperation; params: Record<string, string> }[] {
  const limit = ctx.profile === 'quick' ? 8 : 40;
  const out: { op: ApiOperation; params: Record<string, string> }[] = [];
  for (const op of ctx.api.operations.filter((o) => (o.secured || ctx.discovered) && o.method === 'GET')) {
    const params = paramsForPath(ctx, op.path);
    if (params !== null) out.push({ op, params });
  }
  return out.slice(0, limit);
}

/**
 * API2: every secured GET must refuse missing, garbage, alg:none, re-signed
 * and expired tokens. A forged request "succeeds" only when it returns the
 * content user A gets (a 200 carrying an empty user, or the app's page, does not count).
 */
export async function probeTokens(ctx: ScanContext): Promise<void> {
  const forged = ctx.a.token ? await forgeTokens(ctx.a.token) : [];
  if (ctx.a.token && forged.length === 2)
    ctx.notes.push(
      'security scan: the access token is not a JWT; alg:none, signature and expiry forgeries were skipped',
    );
  if (!ctx.a.token) {
    // Cookie session: no credentials at all, and the session cookies with random values.
    const garbage = Object.fromEntries(
      Object.keys(ctx.a.cookies).map((k) => [k, randomBytes(24).toString('base64url')]),
    );
    forged.push(
      {
        name: 'no session',
        ruleId: 'rampart-api2-no-token',
        token: null,
        severity: 'critical',
        why: 'a request without any session cookie',
      },
      {
        name: 'forged session cookie',
        ruleId: 'rampart-api2-garbage-token',
        token: '',
        cookies: garbage,
        severity: 'critical',
        why: 'random values in the session cookies',
      },
    );
  }
  let skipped = 0;
  for (const { op, params } of securedTargets(ctx)) {
    const baseline = await call(ctx, op, { user: ctx.a, params });
    if (!ok2xx(baseline)) {
      skipped += 1;
      continue;
    }
    for (const f of forged) {
      const ex = await call(ctx, op, {
        user: null,
        params,
        ...(f.token === null ? {} : { token: f.token, forgedCookies: f.cookies ?? {} }),
      });
      const j = revealsProtected(baseline, ex, ctx.catchAll);
      // Anyone gets this content: public by design (a discovered route) or unprotected (a documented secured one); forgeries prove nothing more.
      if (f.token === null && j.revealed && (ctx.discovered || !op.secured)) break;
      if (j.revealed) {
        ctx.sink.add({
          ruleId: f.ruleId,
          title: `Secured route accepts ${f.name}`,
          category: CAT,
          severity: f.severity,
          endpoint: endpoint(op),
          evidence: ex,
          description: `${op.key} ${ctx.discovered ? 'refuses anonymous callers but' : 'is documented as secured but'} answered ${ex.response?.status} to ${f.why}, with the content an authenticated user gets (${j.why}). Verify the token's signature with a pinned algorithm and enforce exp; answer 401.`,
        });
      }
    }
  }
  if (skipped)
    ctx.notes.push(
      `security scan: ${skipped} secured GET route(s) did not answer 2xx to user A; forged-token checks there were skipped (no baseline)`,
    );
}

/** API2: after logout the access token must stop working at once. */
export async function probeLogout(ctx: ScanContext, user: ScanUser): Promise<void> {
  const cfg = ctx.auth.logout;
  const probe = ctx.auth.mePath ? { method: 'GET', path: ctx.auth.mePath } : securedTargets(ctx)[0]?.op;
  if (!cfg || !probe) {
    ctx.notes.push('security scan: no logout step or secured GET route; token-after-logout check skipped');
    return;
  }
  const before = await call(ctx, probe, { user });
  if (!ok2xx(before)) {
    ctx.notes.push(
      `security scan: ${probe.method} ${probe.path} did not answer 2xx with a fresh token (${before.response?.status}); token-after-logout check skipped`,
    );
    return;
  }
  const out = await call(
    ctx,
    { method: cfg.method, path: cfg.path },
    { user, json: fillTemplate(cfg.body, varsFor(user)) },
  );
  if (!ok2xx(out)) {
    ctx.notes.push(
      `security scan: logout (${cfg.method} ${cfg.path}) answered ${out.response?.status}; token-after-logout check skipped`,
    );
    return;
  }
  const after = await call(ctx, probe, { user });
  if (revealsProtected(before, after, ctx.catchAll).revealed) {
    ctx.sink.add({
      ruleId: 'rampart-api2-token-after-logout',
      title: 'Access token still works after logout',
      category: CAT,
      severity: 'high',
      endpoint: `${probe.method} ${probe.path}`,
      evidence: after,
      description: `After ${cfg.method} ${cfg.path} succeeded, the same access token still got ${after.response?.status} and the same content from ${probe.method} ${probe.path}. Revoke access tokens on logout (e.g. a deny-list keyed by the token id until it expires).`,
    });
  }
}

/** API2: repeated failed logins for one account must be limited (429 / lockout). */
export async function probeBruteForce(ctx: ScanContext, victim: ScanUser): Promise<void> {
  const cfg = ctx.auth.login;
  if (!cfg) return;
  const attempts = ctx.profile === 'quick' ? 25 : 60;
  let last = null;
  for (let i = 0; i < attempts; i += 1) {
    const { ex } = await login(ctx.client, ctx.auth, { ...victim, password: `wrong-${i}-${victim.password}` });
    last = ex;
    const status = ex.response?.status ?? 0;
    if (status === 429) {
      await probeXffBypass(ctx, `${cfg.method} ${cfg.path}`, (headers) =>
        ctx.client.send({
          method: cfg.method,
          path: cfg.path,
          headers,
          actor: 'forged',
          json: fillTemplate(cfg.body, varsFor({ ...victim, password: `wrong-x-${victim.password}` })),
        }),
      );
    }
    if (status === 429 || status === 423 || (status === 403 && i > 0)) return;
  }
  if (last) {
    ctx.sink.add({
      ruleId: 'rampart-api2-no-bruteforce-limit',
      title: 'Login has no brute-force limit',
      category: CAT,
      severity: 'medium',
      endpoint: `${cfg.method} ${cfg.path}`,
      evidence: last,
      description: `${attempts} wrong passwords in a row for one account were all answered without a 429 or lockout. Limit failed logins per account and per IP (429 + Retry-After).`,
    });
  }
}
