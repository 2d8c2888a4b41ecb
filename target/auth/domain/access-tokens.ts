import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { UnauthorizedError } from '../../platform/http-errors.ts';
import { ROLES } from '../../platform/locals.ts';
import type { AuthUser, Role } from '../../platform/locals.ts';

/**
 * Short-lived JWT access tokens: HS256 only (the algorithm is pinned on
 * verify, so `alg: none` or RS/HS confusion is refused), issuer and audience
 * checked, expiry enforced by jose.
 */
export const ISSUER = 'socialconnect';
export const AUDIENCE = 'socialconnect-api';

export interface AccessTokens {
  sign(user: { id: string; role: Role }): Promise<{ token: string; expiresIn: number }>;
  verify(token: string): Promise<AuthUser>;
}

export interface AccessTokensOptions {
  /** Verified tokens remembered per process (default 10,000); 0 turns the memo off. */
  memoSize?: number;
  now?: () => number;
}

/**
 * The HMAC key is imported into WebCrypto once (jose given raw bytes imports it
 * again on every sign and every verify: 18 % of a worker's CPU under the mixed
 * load). A session sends the same token on every request, so a token verified
 * once is remembered by its exact string — the same string has the same
 * signature and claims — and only its expiry is checked again; revocation is
 * the deny-list's business on every request, as before. Only tokens that
 * verified are remembered, the oldest dropped first.
 */
export function createAccessTokens(secret: string, ttlMs: number, opts: AccessTokensOptions = {}): AccessTokens {
  const key = crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  const ttlSec = Math.max(1, Math.round(ttlMs / 1000));
  const memoSize = opts.memoSize ?? 10_000;
  const now = opts.now ?? Date.now;
  const memo = new Map<string, AuthUser>();
  const expired = () => new UnauthorizedError('The access token has expired.', 'TOKEN_EXPIRED');
  return {
    async sign(user) {
      const token = await new SignJWT({ role: user.role })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(user.id)
        .setJti(randomUUID())
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSec}s`)
        .sign(await key);
      return { token, expiresIn: ttlSec };
    },
    async verify(token) {
      const known = memo.get(token);
      if (known) {
        // jose's rule: expired once exp <= now (whole seconds, no tolerance).
        if (known.tokenExp > Math.floor(now() / 1000)) return known;
        memo.delete(token);
        throw expired();
      }
      let user: AuthUser;
      try {
        const { payload } = await jwtVerify(token, await key, {
          algorithms: ['HS256'],
          issuer: ISSUER,
          audience: AUDIENCE,
          requiredClaims: ['sub', 'jti', 'exp'],
          currentDate: new Date(now()),
        });
        const role = payload.role;
        if (typeof role !== 'string' || !ROLES.includes(role as Role))
          throw new UnauthorizedError('The access token is invalid.', 'TOKEN_INVALID');
        user = Object.freeze({
          id: payload.sub as string,
          role: role as Role,
          tokenId: payload.jti as string,
          tokenExp: payload.exp as number,
        });
      } catch (err) {
        if (err instanceof UnauthorizedError) throw err;
        if (err instanceof joseErrors.JWTExpired) throw expired();
        throw new UnauthorizedError('The access token is invalid.', 'TOKEN_INVALID');
      }
      if (memoSize > 0) {
        if (memo.size >= memoSize) memo.delete(memo.keys().next().value as string);
        memo.set(token, user);
      }
      return user;
    },
  };
}
