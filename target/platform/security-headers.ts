import cors from 'cors';
import helmet from 'helmet';
import type { RequestHandler } from 'express';
import type { TargetConfig } from '../config.ts';

/**
 * helmet: HSTS (sent on every response; browsers honour it over HTTPS only),
 * nosniff, a CSP whose frame-ancestors is 'none' (an API is never framed),
 * no referrer. The /docs page needs its own CSP for scripts; the features
 * engineer's docs router can override the header on that route.
 */
export function securityHeaders(_config: TargetConfig): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
}

/** CORS only for CORS_ORIGINS (exact origins); anything else gets no Access-Control-* headers. */
export function corsPolicy(config: TargetConfig): RequestHandler {
  const allowed = new Set(config.corsOrigins);
  return cors({
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'RateLimit', 'RateLimit-Policy', 'Retry-After', 'Location'],
    credentials: false,
    maxAge: 600,
  });
}
