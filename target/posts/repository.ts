import type { Queryable } from '../platform/db.ts';
import type { KeysetCursor } from '../platform/pagination.ts';
import type { Post } from './schemas.ts';

/** SQL for posts. Returns plain objects; every query has its index (see 0100_*.sql). */
export interface PostRow {
  id: string;
  author_id: string;
  body: string;
  visibility: 'public' | 'private';
  like_count: number;
  comment_count: number;
  /** ISO 8601 in UTC, milliseconds: formatted by PostgreSQL, as the API shows it. */
  created_at: string;
  updated_at: string;
  ck: string;
}

/** A timestamp as the API shows it (ISO 8601, UTC, milliseconds), formatted by PostgreSQL. */
const isoMs = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The timestamps come as ISO text, not as timestamptz: a page of posts then needs no Date parsed and formatted
 * again per row (4.4 % of a worker's busy CPU serving GET /v1/posts); the same truncation to milliseconds.
 */
export const POST_COLUMNS = `p.id, p.author_id, p.body, p.visibility, p.like_count, p.comment_count, ${isoMs('p.created_at')} AS created_at, ${isoMs('p.updated_at')} AS updated_at, p.created_at::text AS ck`;

export function toPost(r: PostRow): Post {
  return {
    id: r.id,
    authorId: r.author_id,
    body: r.body,
    visibility: r.visibility,
    likeCount: r.like_count,
    commentCount: r.comment_count,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export const postKey = (r: PostRow): KeysetCursor => ({ t: r.ck, id: r.id });

/** The database's clock cut to milliseconds: what the API shows (ISO 8601, ms) is then exactly what is stored. */
const NOW_MS = "date_trunc('milliseconds', now())";
const ISO_MS = isoMs(NOW_MS);

export interface NewPost {
  id: string;
  authorId: string;
  body: string;
  visibility: string;
  /** The outbox row (event_relay) written with the post, or null (a private post has no event). */
  event: { eventId: string; payload: string } | null;
  /**
   * With an Idempotency-Key: the key row is claimed first in the same statement, holding the 201's body;
   * the post and its event are written only when the claim succeeds. A concurrent request with the same
   * (user, key) blocks on the key until this statement commits, then writes nothing (and replays).
   */
  idempotency?: { key: string; hash: string };
}

/**
 * Writes a post, its event and (with a key) its idempotency record as ONE statement — atomic on its own,
 * so one round trip instead of six (BEGIN, claim, post, event, stored response, COMMIT). Returns the
 * post, or undefined when the idempotency key was already taken (the caller replays the stored answer).
 */
export async function insertPostOnce(q: Queryable, p: NewPost): Promise<PostRow | undefined> {
  const values: unknown[] = [
    p.id,
    p.authorId,
    p.body,
    p.visibility,
    p.event?.eventId ?? null,
    p.event?.payload ?? null,
  ];
  let claim = '';
  let from = '';
  if (p.idempotency) {
    values.push(p.idempotency.key, p.idempotency.hash);
    claim = `claim AS (
      INSERT INTO idempotency_keys (user_id, key, request_hash, status, response)
      VALUES ($2::uuid, $7::text, $8::text, 201, jsonb_build_object('id', $1::uuid, 'authorId', $2::uuid, 'body', $3::text,
        'visibility', $4::text, 'likeCount', 0, 'commentCount', 0, 'createdAt', ${ISO_MS}, 'updatedAt', ${ISO_MS}))
      ON CONFLICT (user_id, key) DO NOTHING RETURNING 1), `;
    from = ' FROM claim';
  }
  const { rows } = await q.query<PostRow>(
    `WITH ${claim}post AS (
       INSERT INTO posts AS p (id, author_id, body, visibility, created_at, updated_at)
       SELECT $1::uuid, $2::uuid, $3::text, $4::text, ${NOW_MS}, ${NOW_MS}${from}
       RETURNING ${POST_COLUMNS}),
     ev AS (INSERT INTO event_relay (event_id, payload) SELECT $5::text, $6::jsonb FROM post WHERE $5::text IS NOT NULL)
     SELECT * FROM post`,
    values,
  );
  return rows[0];
}

export async function findPost(q: Queryable, id: string, forUpdate = false): Promise<PostRow | undefined> {
  const { rows } = await q.query<PostRow>(
    `SELECT ${POST_COLUMNS} FROM posts p WHERE p.id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0];
}

export interface ListPostsFilter {
  authorId?: string;
  includePrivate: boolean;
  cursor: KeysetCursor | null;
  limit: number;
}

export async function listPosts(q: Queryable, f: ListPostsFilter): Promise<PostRow[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (f.authorId) {
    values.push(f.authorId);
    where.push(`p.author_id = $${values.length}`);
  }
  if (!f.includePrivate) where.push(`p.visibility = 'public'`);
  if (f.cursor) {
    values.push(f.cursor.t, f.cursor.id);
    where.push(`(p.created_at, p.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  values.push(f.limit + 1);
  const sql = `SELECT ${POST_COLUMNS} FROM posts p ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY p.created_at DESC, p.id DESC LIMIT $${values.length}`;
  const { rows } = await q.query<PostRow>(sql, values);
  return rows;
}

export async function updatePost(
  q: Queryable,
  id: string,
  patch: { body?: string; visibility?: string },
): Promise<PostRow | undefined> {
  const { rows } = await q.query<PostRow>(
    `UPDATE posts AS p SET body = COALESCE($2, p.body), visibility = COALESCE($3, p.visibility), updated_at = now()
      WHERE p.id = $1 RETURNING ${POST_COLUMNS}`,
    [id, patch.body ?? null, patch.visibility ?? null],
  );
  return rows[0];
}

export async function deletePost(q: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await q.query('DELETE FROM posts WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}
