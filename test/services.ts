import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { startRedis, type RedisOptions, type StartedRedis } from '../stack/index.ts';
import './global-setup.ts';

export interface TestDatabase {
  /** Connection URL of a database of its own, on the run's shared PostgreSQL. */
  url: string;
  /** Drops the database (terminating its connections). Idempotent. */
  drop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function admin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, empty database on the PostgreSQL shared by the whole vitest run
 * (started once in test/global-setup.ts). Tests that stop or kill PostgreSQL
 * start their own with startPostgres() instead.
 */
export async function useDatabase(): Promise<TestDatabase> {
  const serverUrl = inject('rampartPostgresUrl');
  if (!serverUrl) {
    throw new Error(
      'no shared PostgreSQL: run through vitest with test/global-setup.ts registered as globalSetup (vitest.config.ts)',
    );
  }
  const name = `t_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  const drop = () =>
    (dropped ??= admin(serverUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }));
  return { url: url.toString(), drop, [Symbol.asyncDispose]: drop };
}

/** A redis-server of its own (fast to start), stopped with stop() / `await using`. */
export function useRedis(opts: RedisOptions = {}): Promise<StartedRedis> {
  return startRedis(opts);
}
