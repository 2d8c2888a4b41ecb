import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useDatabase } from '../../test/services.ts';
import { runCli } from '../testing.ts';

const run = (args: string[]) => runCli(args);

describe('rampart seed', () => {
  it('seeds the database named by --database-url and reports the counts', async () => {
    await using db = await useDatabase();
    const result = await run(['seed', '--users', '50', '--posts', '200', '--database-url', db.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/50 users, \d+ follows, 200 posts/);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      expect((await client.query('SELECT count(*)::int AS n FROM posts')).rows[0].n).toBe(200);
    } finally {
      await client.end();
    }
  });

  it('exits 2 naming a bad flag, and when there is no database to seed', async () => {
    const bad = await run(['seed', '--users', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--users');
    const url = await run(['seed', '--database-url', 'mysql://x']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('--database-url');
    const dir = await mkdtemp(path.join(tmpdir(), 'rampart-seed-'));
    try {
      const none = await run(['seed', '--state-dir', dir]);
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/no database to seed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
