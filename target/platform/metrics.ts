import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState } from './breaker.ts';

/**
 * Prometheus metrics (prom-client), one registry per app instance. Each
 * cluster worker exposes its own numbers at /metrics (pid label on scrape
 * via process metrics); Prometheus sums across workers.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly breakerState: Gauge<'dependency'>;
  readonly rateLimitFallback: Counter<'reason'>;
  readonly rateLimited: Counter<'policy'>;
  readonly rateLimitRefunded: Counter<'policy'>;
  readonly degraded: Counter<'dependency' | 'operation'>;
  readonly argon2Queue: Gauge;
  readonly argon2Active: Gauge;
  setBreaker(dependency: 'postgres' | 'redis', state: BreakerState): void;
  /** Adds a gauge whose value is read at scrape time. */
  addCollectedGauge(
    name: string,
    help: string,
    labelNames: string[],
    collect: (set: (labels: Record<string, string>, v: number) => void) => void,
  ): void;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const breakerState = new Gauge({
    name: 'circuit_breaker_state',
    help: 'Circuit breaker state per dependency: 0 closed, 1 half-open, 2 open',
    labelNames: ['dependency'],
    registers: [registry],
  });
  breakerState.set({ dependency: 'postgres' }, 0);
  breakerState.set({ dependency: 'redis' }, 0);
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    breakerState,
    rateLimitFallback: new Counter({
      name: 'rate_limit_local_fallback_total',
      help: 'Rate-limit decisions taken by the local in-process limiter because Redis was unavailable',
      labelNames: ['reason'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'rate_limit_rejections_total',
      help: 'Requests answered 429',
      labelNames: ['policy'],
      registers: [registry],
    }),
    rateLimitRefunded: new Counter({
      name: 'rate_limit_refunds_total',
      help: 'Rate-limit points given back because the server answered the request 5xx',
      labelNames: ['policy'],
      registers: [registry],
    }),
    degraded: new Counter({
      name: 'degraded_operations_total',
      help: 'Operations served in degraded mode (dependency down)',
      labelNames: ['dependency', 'operation'],
      registers: [registry],
    }),
    argon2Queue: new Gauge({
      name: 'argon2_queue_length',
      help: 'Password hash operations waiting for the argon2 bulkhead',
      registers: [registry],
    }),
    argon2Active: new Gauge({ name: 'argon2_active', help: 'Password hash operations running', registers: [registry] }),
    setBreaker(dependency, state) {
      breakerState.set({ dependency }, BREAKER_VALUE[state]);
    },
    addCollectedGauge(name, help, labelNames, collect) {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          collect((labels, v) => this.set(labels, v));
        },
      });
    },
  };
}

/** Records count and duration per route pattern (never the raw path: ids would explode cardinality). */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route =
        res.locals.routePattern ??
        (req.route ? `${res.locals.mountPath ?? ''}${String((req.route as { path: string }).path)}` : 'unmatched');
      const labels = { method: req.method, route, status: String(res.statusCode) };
      end(labels);
      metrics.httpRequests.inc(labels);
    });
    next();
  };
}
