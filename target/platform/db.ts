import pg from 'pg';
import type { TargetConfig } from '../config.ts';
import { createBreaker } from './breaker.ts';
import type { Breaker, BreakerState } from './breaker.ts';
import { DependencyUnavailableError } from './http-errors.ts';
import type { Logger } from './logger.ts';
import { withRetry } from './retry.ts';

/**
 * PostgreSQL access for every component: two bounded pools (bulkheads: `main`
 * for the API, `auth` for login/register/refresh so a login storm cannot take
 * the connections reads need), every call through one circuit breaker, and
 * timeouts on every call (connect, statement, query). Availability failures
 * become DependencyUnavailableError (503 + Retry-After); SQL errors such as a
 * unique violation pass through untouched for the repository to interpret.
 */
export type Lane = 'main' | 'auth';

export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface Database {
  /** One attempt, through the breaker. Use for writes. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
    lane?: Lane,
  ): Promise<pg.QueryResult<R>>;
  /** An idempotent read: retried with exponential backoff + jitter on transient failures. Returns the rows. */
  read<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[], lane?: Lane): Promise<R[]>;
  /** BEGIN … COMMIT on one client (ROLLBACK on throw), through the breaker. Not retried. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, lane?: Lane): Promise<T>;
  /** A direct SELECT 1 that bypasses the breaker (for /readyz). */
  ping(timeoutMs?: number): Promise<void>;
  breakerState(): BreakerState;
  poolStats(): Record<Lane, { total: number; idle: number; waiting: number; max: number }>;
  readonly pools: Readonly<Record<Lane, pg.Pool>>;
  stop(): Promise<void>;
}

/** SQLSTATE classes that mean "the database is not available", not "your SQL is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P|58)/;
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EOPENBREAKER',
  'ESEMLOCKED',
  'ESHUTDOWN',
]);
const UNAVAILABLE_MESSAGE = /timeout|terminated|Connection ended|not queryable|Client was closed|ECONNREFUSED|connect/i;

export function isPgUnavailable(err: unknown): boolean {
  // Another dependency's outage (e.g. Redis inside a transaction) is not PostgreSQL's.
  if (err instanceof DependencyUnavailableError) return err.dependency === 'postgres';
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === '57014') return true; // statement_timeout / query cancelled
  if (/^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_SQLSTATE.test(code);
  if (UNAVAILABLE_NODE_CODES.has(code)) return true;
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message);
}

function makePool(config: TargetConfig, max: number, name: string, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max,
    connectionTimeoutMillis: config.pg.connectTimeoutMs,
    statement_timeout: config.pg.statementTimeoutMs,
    query_timeout: config.pg.statementTimeoutMs + 1000,
    idle_in_transaction_session_timeout: config.pg.statementTimeoutMs * 2,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: `socialconnect-${name}`,
  });
  // An idle client losing its connection emits here; without a listener it would crash the process.
  pool.on('error', (err) => logger.warn({ pool: name, err: err.message }, 'idle PostgreSQL client error'));
  // A checked-out client (inside a transaction, between two queries) has no pool listener: a connection
  // reset arriving then would be an unhandled 'error' event and take the worker down. The query in flight
  // still rejects, so the caller sees the failure; this only keeps the process alive.
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.warn({ pool: name, err: err.message }, 'PostgreSQL client error'));
  });
  return pool;
}

/**
 * Named (prepared) statements: the first run of a statement on a connection
 * parses and plans it; later runs only bind and execute (PostgreSQL keeps the
 * plan per connection). Names come from the SQL text; texts with parameters
 * only (the ones run again and again), at most MAX_NAMED distinct texts per
 * process, so SQL built from unbounded input can never grow the servers' caches.
 */
const MAX_NAMED = 500;
const statementNames = new Map<string, string>();
export function namedQuery(text: string, values?: unknown[]): pg.QueryConfig | string {
  if (!values || values.length === 0) return text;
  let name = statementNames.get(text);
  if (name === undefined) {
    if (statementNames.size >= MAX_NAMED) return { text, values };
    name = `sc${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

/** A client inside a transaction, with the same named statements as the pool's queries. */
function namedClient(client: pg.PoolClient): Queryable {
  return {
    query: <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => {
      const q = namedQuery(text, values);
      return typeof q === 'string' ? client.query<R>(q) : client.query<R>(q);
    },
  };
}

function runOn<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  text: string,
  values?: unknown[],
): Promise<pg.QueryResult<R>> {
  const q = namedQuery(text, values);
  return typeof q === 'string' ? pool.query<R>(q) : pool.query<R>(q);
}

export function createDatabase(
  config: TargetConfig,
  logger: Logger,
  onBreakerChange?: (s: BreakerState) => void,
): Database {
  const pools: Record<Lane, pg.Pool> = {
    main: makePool(config, config.pg.poolMax, 'main', logger),
    auth: makePool(config, config.pg.authPoolMax, 'auth', logger),
  };
  const breaker: Breaker = createBreaker({
    name: 'postgres',
    timeoutMs: config.pg.statementTimeoutMs + config.pg.connectTimeoutMs + 1500,
    resetTimeoutMs: config.breakerResetTimeoutMs,
    countsAsFailure: isPgUnavailable,
    logger,
    onStateChange: onBreakerChange,
  });
  const unavailable = (err: unknown): never => {
    if (err instanceof DependencyUnavailableError) throw err;
    if (isPgUnavailable(err)) throw new DependencyUnavailableError('postgres', config.retryAfterSeconds, err);
    throw err;
  };

  const query = <R extends pg.QueryResultRow>(text: string, values?: unknown[], lane: Lane = 'main') =>
    breaker.run(() => runOn<R>(pools[lane], text, values)).catch(unavailable);

  return {
    pools,
    query,
    async read<R extends pg.QueryResultRow>(text: string, values?: unknown[], lane: Lane = 'main') {
      const result = await withRetry(() => breaker.run(() => runOn<R>(pools[lane], text, values)), {
        retries: 2,
        baseMs: 50,
        maxMs: 400,
        // Never retry when the breaker itself refused: that is the breaker doing its job.
        shouldRetry: (err) => isPgUnavailable(err) && !breaker.isBreakerRejection(err),
      }).catch(unavailable);
      return result.rows;
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, lane: Lane = 'main') {
      return breaker
        .run(async () => {
          const client = await pools[lane].connect();
          let broken = false;
          try {
            await client.query('BEGIN');
            const out = await fn(namedClient(client));
            await client.query('COMMIT');
            return out;
          } catch (err) {
            broken = isPgUnavailable(err);
            await client.query('ROLLBACK').catch(() => {
              broken = true;
            });
            throw err;
          } finally {
            client.release(broken);
          }
        })
        .catch(unavailable);
    },
    async ping(timeoutMs = 1000) {
      const client = new pg.Client({
        connectionString: config.databaseUrl,
        connectionTimeoutMillis: timeoutMs,
        query_timeout: timeoutMs,
      });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => {});
      }
    },
    breakerState: () => breaker.state(),
    poolStats() {
      const s = (p: pg.Pool, max: number) => ({ total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount, max });
      return { main: s(pools.main, config.pg.poolMax), auth: s(pools.auth, config.pg.authPoolMax) };
    },
    async stop() {
      breaker.shutdown();
      await Promise.all([pools.main.end(), pools.auth.end()]);
    },
  };
}
