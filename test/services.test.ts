import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useDatabase, useRedis } from './services.ts';

describe('test services', () => {
  it('gives each caller a fresh, empty database on the shared server, dropped on drop()', async () => {
    const a = await useDatabase();
    const b = await useDatabase();
    expect(a.url).not.toBe(b.url);
    const ca = new pg.Client({ connectionString: a.url });
    await ca.connect();
    await ca.query('CREATE TABLE only_in_a (v int)');
    await ca.end();
    const cb = new pg.Client({ connectionString: b.url });
    await cb.connect();
    const { rows } = await cb.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'only_in_a'");
    expect(rows[0].n).toBe(0);
    await cb.end();
    await a.drop();
    await b.drop();
    const again = new pg.Client({ connectionString: a.url });
    again.on('error', () => undefined);
    await expect(again.connect()).rejects.toThrow(/does not exist/);
  });

  it('gives each caller its own redis-server', async () => {
    await using r1 = await useRedis();
    await using r2 = await useRedis();
    expect(r1.port).not.toBe(r2.port);
  });
});
