/**
 * Test support for target/ tests (imported by *.test.ts only): a real target
 * in this process on a fresh database of the shared PostgreSQL and a Redis of
 * its own.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { useDatabase, useRedis } from '../test/services.ts';
import type { StartedRedis } from '../stack/index.ts';
import { loadTargetConfig } from './config.ts';
import type { TargetConfig } from './config.ts';
import { startTarget } from './server.ts';
import type { RunningServer } from './server.ts';
import { routeModules } from './routes.ts';
import type { RouteModule } from './routes.ts';
import type { Logger } from './platform/logger.ts';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export interface TestTarget {
  readonly url: string;
  readonly config: TargetConfig;
  readonly server: RunningServer;
  readonly redis: StartedRedis;
  readonly databaseUrl: string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface TestTargetOptions {
  env?: Record<string, string>;
  /** Reuse an existing Redis / database (e.g. two instances sharing them). */
  redis?: StartedRedis;
  databaseUrl?: string;
  /** Extra component routers (e.g. a slow or throwing route for a test), after the real ones. */
  routes?: RouteModule[];
  logger?: Logger;
}

export function testConfig(databaseUrl: string, redisUrl: string, env: Record<string, string> = {}): TargetConfig {
  return loadTargetConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    PORT: '0',
    WORKERS: '1',
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    ...env,
  });
}

export async function startTestTarget(opts: TestTargetOptions = {}): Promise<TestTarget> {
  const ownDb = opts.databaseUrl ? undefined : await useDatabase();
  const databaseUrl = opts.databaseUrl ?? (ownDb as { url: string }).url;
  const redis = opts.redis ?? (await useRedis());
  const config = testConfig(databaseUrl, redis.url, opts.env);
  const server = await startTarget(config, {
    routes: opts.routes ? [...routeModules, ...opts.routes] : undefined,
    logger: opts.logger,
  });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await server.stop();
      if (!opts.redis) await redis.stop();
      await ownDb?.drop();
    })());
  return { url: server.url, config, server, redis, databaseUrl, stop, [Symbol.asyncDispose]: stop };
}

/** fetch + JSON for tests. */
export async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON fields
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

let userSeq = 0;

/** Registers and logs in a fresh user on a test target. */
export async function registerUser(t: {
  url: string;
}): Promise<{ email: string; password: string; handle: string; id: string; token: string }> {
  const n = ++userSeq;
  const u = {
    email: `p${n}-${Date.now()}@example.test`,
    password: 'password123!',
    handle: `p${n}_${Date.now() % 100000}`,
  };
  const reg = await call(t.url, 'POST', '/v1/auth/register', { body: u });
  const login = await call(t.url, 'POST', '/v1/auth/login', { body: { email: u.email, password: u.password } });
  return { ...u, id: reg.body.user.id as string, token: login.body.accessToken as string };
}

/** Runs one SQL statement on a test target's database and returns the rows. */
export async function sqlRows(
  t: { databaseUrl: string },
  text: string,
  values: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: t.databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

/** How many times a Redis server has run the named commands (INFO commandstats), summed. */
export async function redisCommandCalls(redisUrl: string, ...commands: string[]): Promise<number> {
  const c = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const stats = await c.info('commandstats');
    return commands.reduce(
      (sum, name) => sum + Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0),
      0,
    );
  } finally {
    c.disconnect();
  }
}
