import type { RequestHandler } from 'express';
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from '../platform/http-errors.ts';
import type { AuthUser, Role } from '../platform/locals.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { AccessTokens } from './domain/access-tokens.ts';
import type { DenyList } from './data-access/deny-list.ts';

/**
 * authenticate: reads `Authorization: Bearer <jwt>` when present; a valid,
 * non-revoked token puts `{ id, role }` on res.locals.user, a bad one is 401.
 * No header: anonymous (res.locals.user undefined). Runs before the rate
 * limiter so it can key by user.
 *
 * The deny-list lookup is begun here but awaited by rejectBadToken, after the
 * rate limiter. It is answered from the worker's mirror of the list while that
 * is in sync (no Redis command); when the lookup must ask Redis, it and the
 * rate limiter's command travel in one round trip (one write with
 * auto-pipelining) instead of two in a row. Meanwhile a
 * well-signed token keys the rate limit by its user, revoked or not; a badly
 * signed one by IP.
 *
 * Redis down while checking the deny-list: with REDIS_FALLBACK on, the token is
 * accepted (it is short-lived; this worker's own revocations are still
 * honoured) and the fact is counted; with it off, 503.
 */
export function authenticate(deps: {
  tokens: AccessTokens;
  denyList: DenyList;
  redisFallback: boolean;
  retryAfterSeconds: number;
  metrics: Metrics;
}): RequestHandler {
  const checkRevocation = async (user: AuthUser): Promise<void> => {
    const revoked = await deps.denyList.has(user.tokenId);
    if (revoked === true) throw new UnauthorizedError('The access token has been revoked.', 'TOKEN_REVOKED');
    if (revoked === 'unknown') {
      if (!deps.redisFallback)
        throw new ServiceUnavailableError(
          'Cannot check token revocation: Redis is unavailable.',
          deps.retryAfterSeconds,
          'REDIS_UNAVAILABLE',
        );
      deps.metrics.degraded.inc({ dependency: 'redis', operation: 'token-deny-list' });
    }
  };
  return async (req, res, next) => {
    const header = req.get('authorization');
    if (!header) {
      next();
      return;
    }
    try {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw new UnauthorizedError('Use an Authorization: Bearer <access token> header.', 'TOKEN_MISSING');
      const user = await deps.tokens.verify(match[1] as string);
      const revocation = checkRevocation(user);
      revocation.catch(() => {}); // settled by rejectBadToken; never an unhandled rejection meanwhile
      res.locals.user = user;
      res.locals.revocation = revocation;
    } catch (err) {
      // A bad token is answered 401 after the rate limiter has counted the request
      // against the caller's IP (rejectBadToken), so token guessing is rate-limited too.
      if (!(err instanceof UnauthorizedError)) throw err;
      res.locals.authError = err;
    }
    next();
  };
}

/** Runs after the rate limiter: the 401 that authenticate deferred, and the deny-list's answer. */
export const rejectBadToken: RequestHandler = async (_req, res, next) => {
  const revocation = res.locals.revocation;
  if (revocation) {
    res.locals.revocation = undefined;
    try {
      await revocation;
    } catch (err) {
      res.locals.user = undefined;
      throw err;
    }
  }
  next(res.locals.authError);
};

/** 401 unless authenticate found a valid token. */
export const requireAuth: RequestHandler = (_req, res, next) => {
  if (!res.locals.user) throw new UnauthorizedError();
  next();
};

/** 401 when anonymous, 403 unless the caller has one of `roles`. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const user = res.locals.user;
    if (!user) throw new UnauthorizedError();
    if (!roles.includes(user.role))
      throw new ForbiddenError(`This needs the ${roles.join(' or ')} role.`, 'ROLE_REQUIRED');
    next();
  };
}
