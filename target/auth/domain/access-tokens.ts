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

export function createAccessTokens(secret: string, ttlMs: number): AccessTokens {
  const key = new TextEncoder().encode(secret);
  const ttlSec = Math.max(1, Math.round(ttlMs / 1000));
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
        .sign(key);
      return { token, expiresIn: ttlSec };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ['sub', 'jti', 'exp'] });
        const role = payload.role;
        if (typeof role !== 'string' || !ROLES.includes(role as Role)) throw new UnauthorizedError('The access token is invalid.', 'TOKEN_INVALID');
        return { id: payload.sub as string, role: role as Role, tokenId: payload.jti as string, tokenExp: payload.exp as number };
      } catch (err) {
        if (err instanceof UnauthorizedError) throw err;
        if (err instanceof joseErrors.JWTExpired) throw new UnauthorizedError('The access token has expired.', 'TOKEN_EXPIRED');
        throw new UnauthorizedError('The access token is invalid.', 'TOKEN_INVALID');
      }
    },
  };
}
