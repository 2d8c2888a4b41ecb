import argon2 from 'argon2';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDatabase } from '../../test/services.ts';
import type { TestDatabase } from '../../test/services.ts';
import { seed, SEED_PASSWORD } from './seed.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await useDatabase();
});
afterAll(async () => db?.drop());

describe('seed', () => {
  it('fills users (one shared argon2id hash), an admin, a follow graph, posts, likes and consistent counters', async () => {
    const out = await seed(db.url, { users: 300, posts: 2000 });
    expect(out).toMatchObject({ users: 300, posts: 2000 });
    expect(out.follows).toBeGreaterThan(300);
    expect(out.likes).toBeGreaterThan(1000);
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const q = async (sql: string) => (await pool.query(sql)).rows[0];
      expect((await q("SELECT count(*)::int AS n FROM users WHERE email LIKE 'user%@example.test'")).n).toBe(300);
      expect((await q("SELECT role FROM users WHERE email = 'admin@example.test'")).role).toBe('admin');
      expect((await q('SELECT count(DISTINCT password_hash)::int AS n FROM users')).n).toBe(1);
      const { password_hash } = await q("SELECT password_hash FROM users WHERE email = 'user7@example.test'");
      expect(await argon2.verify(password_hash, SEED_PASSWORD)).toBe(true);
      const drift = await q(
        'SELECT count(*)::int AS n FROM posts p WHERE like_count <> (SELECT count(*) FROM likes l WHERE l.post_id = p.id)',
      );
      expect(drift.n).toBe(0);
      // Heavy tail: the most followed account has many times the median's followers.
      const tail = await q(`SELECT max(c) AS top, percentile_cont(0.5) WITHIN GROUP (ORDER BY c) AS median
                              FROM (SELECT count(*) AS c FROM follows GROUP BY followee_id) t`);
      expect(Number(tail.top)).toBeGreaterThan(Number(tail.median) * 5);
    } finally {
      await pool.end();
    }
    // Running it again adds posts but no duplicate users.
    const again = await seed(db.url, { users: 300, posts: 10 });
    expect(again.users).toBe(300);
  });
});
