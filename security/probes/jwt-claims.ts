import { decodeJwt } from 'jose';
import type { ScanContext } from '../scan-context.ts';

const CAT = 'API2:2023';
const SECRET_KEY = /(passw(or)?d|pwd|secret|hash|salt|private_?key|api_?key|totp)/i;
const HASH_VALUE = /^(\$(argon2(id|i|d)|2[aby]|pbkdf2)\$.+|[a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64})$/i;

/** Claims that should never travel in a token anyone holding it can decode (path → why). */
export function sensitiveClaims(payload: unknown, prefix = '', depth = 0): string[] {
  if (depth > 6 || !payload || typeof payload !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(payload)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string' && v !== '' && (SECRET_KEY.test(k) || HASH_VALUE.test(v))) out.push(path);
    else out.push(...sensitiveClaims(v, path, depth + 1));
  }
  return out;
}

/** JWT contents: a token is only base64, so secrets or password hashes in its claims are readable by anyone who holds it. */
export function probeJwtClaims(ctx: ScanContext): void {
  const candidates = [ctx.a.token, ...Object.values(ctx.a.cookies)].filter((t) =>
    /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/.test(t),
  );
  for (const token of new Set(candidates)) {
    let payload: unknown;
    try {
      payload = decodeJwt(token);
    } catch {
      continue;
    }
    const bad = sensitiveClaims(payload);
    if (bad.length === 0) continue;
    ctx.sink.add({
      ruleId: 'rampart-api2-jwt-sensitive-claims',
      title: 'Token claims carry secrets or password hashes',
      category: CAT,
      severity: 'high',
      endpoint: ctx.auth.login ? `${ctx.auth.login.method} ${ctx.auth.login.path}` : 'the supplied session',
      evidence: ctx.a.loginExchange ?? null,
      description: `User A's token carries ${bad.join(', ')}: a JWT is signed, not encrypted, so anyone holding it (logs, browser storage, a proxy) reads them. Put only an id and roles in a token.`,
    });
    return;
  }
}
