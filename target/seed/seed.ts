import argon2 from 'argon2';
import pg from 'pg';
import type { TargetConfig } from '../config.ts';
import { migrate } from '../platform/migrate.ts';

/**
 * Fills the database with a realistic social graph, fast: every table is
 * filled by one set-based INSERT … SELECT over generate_series inside
 * PostgreSQL (no rows cross the wire, which beats both multi-row INSERTs and
 * COPY from Node for generated data). The password `password123!` is hashed
 * once (argon2id, same parameters as the API) and reused by every user.
 *
 * Shape: users user1..userN@example.test plus admin@example.test (role admin);
 * follows with a heavy tail (a few accounts followed by many); posts over the
 * last 30 days, authors skewed toward active accounts, 5 % private; likes
 * mostly in the last 7 days, skewed toward popular posts; some comments.
 */
export const SEED_PASSWORD = 'password123!';
export const SEED_ADMIN_EMAIL = 'admin@example.test';

export interface SeedCounts {
  users: number;
  posts: number;
  /** Average follows per user (default 25). */
  followsPerUser?: number;
  /** Likes per post on average (default 3). */
  likesPerPost?: number;
}

export interface SeedResult {
  users: number;
  posts: number;
  follows: number;
  likes: number;
  comments: number;
  ms: number;
}

const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export async function seed(
  target: TargetConfig | pg.Pool | string,
  counts: SeedCounts,
  log: (line: string) => void = () => {},
): Promise<SeedResult> {
  const started = performance.now();
  const ownPool = !(target instanceof pg.Pool);
  const url = typeof target === 'string' ? target : target instanceof pg.Pool ? undefined : target.databaseUrl;
  if (url) await migrate(url);
  const pool = target instanceof pg.Pool ? target : new pg.Pool({ connectionString: url, max: 1 });
  const client = await pool.connect();
  const step = async (name: string, sql: string, values: unknown[] = []) => {
    const t = performance.now();
    const r = await client.query(sql, values);
    log(`${name}: ${r.rowCount ?? 0} rows in ${Math.round(performance.now() - t)} ms`);
    return r.rowCount ?? 0;
  };
  try {
    const hash = await argon2.hash(SEED_PASSWORD, HASH_OPTIONS);
    const n = Math.max(0, Math.floor(counts.users));
    const m = Math.max(0, Math.floor(counts.posts));
    await client.query('BEGIN');
    await client.query('SET LOCAL synchronous_commit = off');
    await step(
      'users',
      `INSERT INTO users (email, handle, password_hash, role, created_at)
       SELECT 'user' || g || '@example.test', 'user' || g, $1, 'user', now() - random() * interval '365 days'
         FROM generate_series(1, $2::int) g
       ON CONFLICT DO NOTHING`,
      [hash, n],
    );
    await step(
      'admin',
      `INSERT INTO users (email, handle, password_hash, role) VALUES ($1, 'admin', $2, 'admin')
       ON CONFLICT DO NOTHING`,
      [SEED_ADMIN_EMAIL, hash],
    );
    await client.query(
      `CREATE TEMP TABLE seed_users ON COMMIT DROP AS
       SELECT substring(email FROM 5 FOR position('@' IN email) - 5)::int AS rn, id FROM users
        WHERE email ~ '^user[0-9]+@example\\.test$' AND substring(email FROM 5 FOR position('@' IN email) - 5)::int <= $1`,
      [n],
    );
    await client.query('CREATE UNIQUE INDEX ON seed_users (rn)');
    const users =
      n === 0 ? 0 : Number((await client.query<{ c: string }>('SELECT count(*) AS c FROM seed_users')).rows[0]?.c ?? 0);
    let follows = 0;
    let posts = 0;
    let likes = 0;
    let comments = 0;
    if (users > 1) {
      const avg = counts.followsPerUser ?? 25;
      // Per user 1..2*avg follows; followee rank skewed by random()^3 (heavy tail of popular accounts).
      follows = await step(
        'follows',
        `INSERT INTO follows (follower_id, followee_id)
         SELECT a.id, b.id FROM seed_users a
         CROSS JOIN LATERAL (SELECT 1 + floor($1 * power(random(), 3))::int AS rn
                               FROM generate_series(1, 1 + ((a.rn * 7919) % (2 * $2::int)))) t
         JOIN seed_users b ON b.rn = t.rn
         WHERE a.id <> b.id
         ON CONFLICT DO NOTHING`,
        [users, avg],
      );
    }
    if (users > 0 && m > 0) {
      posts = await step(
        'posts',
        `INSERT INTO posts (author_id, body, visibility, created_at, updated_at)
         SELECT u.id,
                'Post ' || x.g || ': ' || substr(md5(x.g::text) || ' ' || md5((x.g * 31)::text), 1, 20 + (x.g % 50)),
                CASE WHEN x.g % 20 = 0 THEN 'private' ELSE 'public' END,
                x.at, x.at
           FROM (SELECT g, 1 + floor($1 * power(random(), 2))::int AS rn, now() - random() * interval '30 days' AS at
                   FROM generate_series(1, $2::int) g) x
           JOIN seed_users u ON u.rn = x.rn`,
        [users, m],
      );
      await client.query(
        `CREATE TEMP TABLE seed_posts ON COMMIT DROP AS
         SELECT row_number() OVER () AS rn, id, created_at FROM posts ORDER BY created_at DESC LIMIT $1`,
        [m],
      );
      await client.query('CREATE UNIQUE INDEX ON seed_posts (rn)');
      const likeRows = Math.floor(m * (counts.likesPerPost ?? 3));
      likes = await step(
        'likes',
        `INSERT INTO likes (post_id, user_id, created_at)
         SELECT p.id, u.id, GREATEST(p.created_at, now() - random() * interval '7 days')
           FROM (SELECT 1 + floor($1 * power(random(), 3))::int AS prn, 1 + floor($2 * random())::int AS urn
                   FROM generate_series(1, $3::int)) x
           JOIN seed_posts p ON p.rn = x.prn
           JOIN seed_users u ON u.rn = x.urn
         ON CONFLICT DO NOTHING`,
        [posts, users, likeRows],
      );
      comments = await step(
        'comments',
        `INSERT INTO comments (post_id, author_id, body, created_at)
         SELECT p.id, u.id, 'Comment ' || x.g, GREATEST(p.created_at, now() - random() * interval '7 days')
           FROM (SELECT g, 1 + floor($1 * power(random(), 2))::int AS prn, 1 + floor($2 * random())::int AS urn
                   FROM generate_series(1, $3::int) g) x
           JOIN seed_posts p ON p.rn = x.prn
           JOIN seed_users u ON u.rn = x.urn`,
        [posts, users, Math.floor(m / 2)],
      );
      await step(
        'counts',
        `UPDATE posts p SET like_count = COALESCE(l.n, 0), comment_count = COALESCE(c.n, 0)
           FROM seed_posts s
           LEFT JOIN (SELECT post_id, count(*)::int AS n FROM likes GROUP BY post_id) l ON l.post_id = s.id
           LEFT JOIN (SELECT post_id, count(*)::int AS n FROM comments GROUP BY post_id) c ON c.post_id = s.id
          WHERE p.id = s.id`,
      );
    }
    await client.query('COMMIT');
    await client.query('ANALYZE users, follows, posts, likes, comments');
    return { users, posts, follows, likes, comments, ms: Math.round(performance.now() - started) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
    if (ownPool) await pool.end();
  }
}
