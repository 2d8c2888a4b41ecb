import type { AppDeps } from '../platform/deps.ts';
import { createLimiter } from '../platform/rate-limit.ts';
import type { Limiter } from '../platform/rate-limit.ts';
import type { RequestHandler } from 'express';
import { createAccessTokens } from './domain/access-tokens.ts';
import type { AccessTokens } from './domain/access-tokens.ts';
import { createDenyList } from './data-access/deny-list.ts';
import type { DenyList } from './data-access/deny-list.ts';
import { authenticate } from './guards.ts';
import { createUsersRepo } from '../users/index.ts';
import { createAuthService } from './domain/auth-service.ts';
import type { AuthService } from './domain/auth-service.ts';
import { createPasswords } from './domain/passwords.ts';
import { createPasswordResetsRepo } from './data-access/password-resets-repo.ts';
import { createRefreshTokensRepo } from './data-access/refresh-tokens-repo.ts';

/** Auth's per-process services, built once per AppDeps (the deny-list's local copy must be shared). */
export interface AuthServices {
  readonly tokens: AccessTokens;
  readonly denyList: DenyList;
  readonly authenticate: RequestHandler;
  /** Failed logins per account (email) and per IP: brute-force protection. */
  readonly loginFailuresByAccount: Limiter;
  readonly loginFailuresByIp: Limiter;
  readonly service: AuthService;
}

const cache = new WeakMap<AppDeps, AuthServices>();

export function authServicesFor(deps: AppDeps): AuthServices {
  const hit = cache.get(deps);
  if (hit) return hit;
  const { config } = deps;
  const tokens = createAccessTokens(config.jwtSecret, config.accessTokenTtlMs);
  const denyList = createDenyList(deps.redis);
  const windowSeconds = Math.max(1, Math.round(config.rateLimit.loginFailureWindowMs / 1000));
  const limiterBase = {
    windowSeconds,
    workers: config.workers,
    fallback: config.redisFallback,
    redis: deps.redis,
    metrics: deps.metrics,
    logger: deps.logger,
  };
  const loginFailuresByAccount = createLimiter({
    ...limiterBase,
    name: 'login-account',
    points: config.rateLimit.loginMaxFailuresPerAccount,
  });
  const loginFailuresByIp = createLimiter({
    ...limiterBase,
    name: 'login-ip',
    points: config.rateLimit.loginMaxFailuresPerIp,
  });
  const service = createAuthService({
    config,
    db: deps.db,
    users: createUsersRepo(deps.db),
    refreshTokens: createRefreshTokensRepo(deps.db),
    resets: createPasswordResetsRepo(),
    passwords: createPasswords(deps.hashing),
    tokens,
    denyList,
    loginFailuresByAccount,
    loginFailuresByIp,
  });
  const services: AuthServices = {
    tokens,
    denyList,
    authenticate: authenticate({
      tokens,
      denyList,
      redisFallback: config.redisFallback,
      retryAfterSeconds: config.retryAfterSeconds,
      metrics: deps.metrics,
    }),
    loginFailuresByAccount,
    loginFailuresByIp,
    service,
  };
  cache.set(deps, services);
  return services;
}
