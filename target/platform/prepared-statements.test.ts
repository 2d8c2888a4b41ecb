import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDatabase } from '../../test/services.ts';
import type { TestDatabase } from '../../test/services.ts';
import { testConfig } from '../testing.ts';
import { createDatabase } from './db.ts';
import type { Database } from './db.ts';
import { createLogger } from './logger.ts';

let pgdb: TestDatabase;
let db: Database;
beforeAll(async () => {
  pgdb = await useDatabase();
  // One connection per pool, so every query below meets the same server session.
  db = createDatabase(
    testConfig(pgdb.url, 'redis://127.0.0.1:1', { PG_POOL_MAX: '1', PG_AUTH_POOL_MAX: '1' }),
    createLogger('silent'),
  );
});
afterAll(async () => {
  await db?.stop();
  await pgdb?.drop();
});

const prepared = async () =>
  await db.read<{ statement: string; calls: string }>(
    'SELECT statement, (generic_plans + custom_plans)::text AS calls FROM pg_prepared_statements WHERE statement LIKE $1',
    ['%rampart-probe%'],
  );

describe('statements with parameters', () => {
  it('are prepared once per connection and then only executed, in plain queries, reads and transactions', async () => {
    for (let i = 0; i < 3; i++) {
      await db.query("SELECT $1::int AS n, 'rampart-probe-q' AS tag", [i]);
      await db.read("SELECT $1::int AS n, 'rampart-probe-r' AS tag", [i]);
      await db.transaction(async (tx) => tx.query("SELECT $1::int AS n, 'rampart-probe-t' AS tag", [i]));
    }
    const rows = await prepared();
    const calls = Object.fromEntries(rows.map((r) => [/rampart-probe-(\w)/.exec(r.statement)?.[1], Number(r.calls)]));
    // One prepared statement each, run three times (a statement sent unnamed would not be listed at all).
    expect(calls).toEqual({ q: 3, r: 3, t: 3 });
  });

  it('without parameters are sent as they are (BEGIN, COMMIT, DDL are never prepared)', async () => {
    await db.query("SELECT 'rampart-probe-plain' AS tag");
    expect((await prepared()).some((r) => r.statement.includes('rampart-probe-plain'))).toBe(false);
  });
});
