import type { Router } from 'express';
import type { AppDeps, BackgroundService } from './platform/deps.ts';
import { authRouter } from './auth/index.ts';
import { usersRouter } from './users/index.ts';
import { adminRouter } from './admin/index.ts';
import { postsRouter } from './posts/index.ts';
import { likesRouter } from './likes/index.ts';
import { commentsRouter } from './comments/index.ts';
import { feedRouter } from './feed/index.ts';
import { trendingRouter } from './trending/index.ts';
import { notificationsRouter, startFeatureBackground } from './notifications/index.ts';
import { openapiRouter } from './openapi/index.ts';

/**
 * THE extension point: every component's router, mounted by createApp in this
 * order, after the platform middleware (request id, logging, metrics, security
 * headers, CORS, body parsing, authentication, rate limiting) and before the
 * 404 and problem+json handlers. Add a component with one line.
 */
export interface RouteModule {
  /** Mount path, e.g. '/v1/posts' ('/' for root documents like /openapi.json). */
  readonly path: string;
  readonly router: (deps: AppDeps) => Router;
}

export const routeModules: readonly RouteModule[] = [
  { path: '/v1/auth', router: authRouter },
  { path: '/v1/users', router: usersRouter },
  { path: '/v1/admin', router: adminRouter },
  { path: '/v1/posts', router: postsRouter },
  { path: '/v1/posts', router: likesRouter },
  { path: '/v1/posts', router: commentsRouter },
  { path: '/v1/feed', router: feedRouter },
  { path: '/v1/trending', router: trendingRouter },
  { path: '/v1/notifications', router: notificationsRouter },
  { path: '/', router: openapiRouter },
];

/**
 * Background services started in every worker (and by startTarget) after the
 * HTTP server listens, stopped on shutdown after it has drained.
 */
export const backgroundServices: ReadonlyArray<(deps: AppDeps) => BackgroundService | Promise<BackgroundService>> = [
  (deps) => startFeatureBackground(deps),
];
