import type { AppDeps } from '../platform/deps.ts';
import { createLimiter } from '../platform/rate-limit.ts';
import type { Limiter } from '../platform/rate-limit.ts';
import type { RequestHandler } from 'express';
import { createAccessTokens } from './domain/access-tokens.ts';
import type { AccessTokens } from './domain/access-tokens.ts';
import { createDenyList } from './data-access/deny-list.ts';
import type { DenyList } from './data-access/deny-list.ts';
import { authenticate } from './guards.ts';

/** Auth's per-process services, built once per AppDeps (the deny-list's local copy must be shared). */
export interface AuthServices {
  readonly tokens: AccessTokens;
  readonly denyList: DenyList;
  readonly authenticate: RequestHandler;
  /** Failed logins per account (email) and per IP: brute-force protection. */
  readonly loginFailuresByAccount: Limiter;
  readonly loginFailuresByIp: Limiter;
}

const cache = new WeakMap<AppDeps, AuthServices>();

export function authServicesFor(deps: AppDeps): AuthServices {
  const hit = cache.get(deps);
  if (hit) return hit;
  const { config } = deps;
  const tokens = createAccessTokens(config.jwtSecret, config.accessTokenTtlMs);
  const denyList = createDenyList(deps.redis);
  const windowSeconds = Math.max(1, Math.round(config.rateLimit.loginFailureWindowMs / 1000));
  const limiterBase = { windowSeconds, blockSeconds: windowSeconds, workers: config.workers, fallback: config.redisFallback, redis: deps.redis, metrics: deps.metrics, logger: deps.logger };
  const services: AuthServices = {
    tokens,
    denyList,
    authenticate: authenticate({ tokens, denyList, redisFallback: config.redisFallback, retryAfterSeconds: config.retryAfterSeconds, metrics: deps.metrics }),
    loginFailuresByAccount: createLimiter({ ...limiterBase, name: 'login-account', points: config.rateLimit.loginMaxFailuresPerAccount }),
    loginFailuresByIp: createLimiter({ ...limiterBase, name: 'login-ip', points: config.rateLimit.loginMaxFailuresPerIp }),
  };
  cache.set(deps, services);
  return services;
}
