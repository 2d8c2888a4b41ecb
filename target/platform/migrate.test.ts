import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useDatabase } from '../../test/services.ts';
import { MigrationChangedError, MigrationFailedError, listMigrations, migrate } from './migrate.ts';

async function tables(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (
      await c.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    ).rows.map((r) => r.t);
  } finally {
    await c.end();
  }
}

describe('migrations', () => {
  it('apply every file once even when several processes start together (advisory lock)', async () => {
    await using db = await useDatabase();
    const files = await listMigrations();
    const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
    const applied = results.map((r) => r.applied.length).sort();
    expect(applied).toEqual([0, 0, files.length]);
    expect(await tables(db.url)).toEqual(
      expect.arrayContaining(['users', 'follows', 'refresh_tokens', 'password_resets', 'outbox', 'schema_migrations']),
    );
    expect((await migrate(db.url)).skipped).toEqual(files);
  });

  it('refuses an applied migration whose contents changed, and rolls a failing one back', async () => {
    await using db = await useDatabase();
    const dir = mkdtempSync(path.join(tmpdir(), 'mig-'));
    try {
      writeFileSync(path.join(dir, '0001_a.sql'), 'CREATE TABLE a (id int);');
      expect((await migrate(db.url, { dir })).applied).toEqual(['0001_a.sql']);
      writeFileSync(path.join(dir, '0001_a.sql'), 'CREATE TABLE a (id bigint);');
      await expect(migrate(db.url, { dir })).rejects.toBeInstanceOf(MigrationChangedError);

      writeFileSync(path.join(dir, '0001_a.sql'), 'CREATE TABLE a (id int);');
      writeFileSync(path.join(dir, '0002_b.sql'), 'CREATE TABLE b (id int); SELECT no_such_function();');
      await expect(migrate(db.url, { dir })).rejects.toBeInstanceOf(MigrationFailedError);
      expect(await tables(db.url)).not.toContain('b');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
