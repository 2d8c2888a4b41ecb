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
  created_at: Date;
  updated_at: Date;
  ck: string;
}

export const POST_COLUMNS = 'p.id, p.author_id, p.body, p.visibility, p.like_count, p.comment_count, p.created_at, p.updated_at, p.created_at::text AS ck';

export function toPost(r: PostRow): Post {
  return {
    id: r.id,
    authorId: r.author_id,
    body: r.body,
    visibility: r.visibility,
    likeCount: r.like_count,
    commentCount: r.comment_count,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export const postKey = (r: PostRow): KeysetCursor => ({ t: r.ck, id: r.id });

export async function insertPost(q: Queryable, authorId: string, body: string, visibility: string): Promise<PostRow> {
  const { rows } = await q.query<PostRow>(
    `INSERT INTO posts AS p (author_id, body, visibility) VALUES ($1, $2, $3) RETURNING ${POST_COLUMNS}`,
    [authorId, body, visibility],
  );
  return rows[0] as PostRow;
}

export async function findPost(q: Queryable, id: string, forUpdate = false): Promise<PostRow | undefined> {
  const { rows } = await q.query<PostRow>(`SELECT ${POST_COLUMNS} FROM posts p WHERE p.id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
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

export async function updatePost(q: Queryable, id: string, patch: { body?: string; visibility?: string }): Promise<PostRow | undefined> {
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
