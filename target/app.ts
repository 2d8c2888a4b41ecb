import express from 'express';
import type { Express } from 'express';
import type { AppDeps } from './platform/deps.ts';
import { healthRouter } from './platform/health.ts';
import { httpMetrics } from './platform/metrics.ts';
import { errorHandler, notFoundHandler } from './platform/problem.ts';
import { rateLimit } from './platform/rate-limit.ts';
import { requestContext } from './platform/request-id.ts';
import { securityHeaders, corsPolicy } from './platform/security-headers.ts';
import { routeModules } from './routes.ts';
import type { RouteModule } from './routes.ts';
import type { RequestHandler } from 'express';
import { authServicesFor, rejectBadToken } from './auth/index.ts';

export interface CreateAppOptions {
  /** Component routers; defaults to routes.ts. */
  routes?: readonly RouteModule[];
}

/**
 * The Express application: platform middleware, then the component routers
 * from routes.ts, then 404 and the problem+json error handler.
 */
export function createApp(deps: AppDeps, options: CreateAppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const instanceId = deps.config.instanceId;
  if (instanceId) {
    app.use((_req, res, next) => {
      res.setHeader('X-Instance-Id', instanceId);
      next();
    });
  }

  app.use(requestContext(deps.logger));
  app.use(httpMetrics(deps.metrics));
  app.use(securityHeaders(deps.config));
  app.use(corsPolicy(deps.config));

  app.use(healthRouter({ db: deps.db, redis: deps.redis, isShuttingDown: deps.lifecycle.isShuttingDown }));
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });

  // Authenticate (without failing) and rate-limit before anything else costs work: a bad
  // token or a malformed body is still counted against the caller and carries the headers.
  app.use(authServicesFor(deps).authenticate);
  app.use(rateLimit(deps));
  app.use(rejectBadToken);
  app.use(
    express.json({ limit: deps.config.bodyLimit, strict: true, type: ['application/json', 'application/*+json'] }),
  );

  for (const mod of options.routes ?? routeModules) {
    const mount: RequestHandler = (_req, res, next) => {
      res.locals.mountPath = mod.path === '/' ? '' : mod.path;
      next();
    };
    app.use(mod.path, mount, mod.router(deps));
  }

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
