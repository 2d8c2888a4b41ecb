import { z } from 'zod';
import { Router } from 'express';
import type { AppDeps } from '../platform/deps.ts';
import { validate } from '../platform/validate.ts';
import { currentUser } from '../platform/locals.ts';
import type { RecordedEvent } from '../platform/relay.ts';
import { decodeCursor, pageQuery, toPage } from '../platform/pagination.ts';
import type { Page } from '../platform/pagination.ts';
import { featureDeps, reader } from '../platform/feature-deps.ts';
import type { Caller, FeatureDeps } from '../platform/feature-deps.ts';
import { idParams, userText, uuidSchema } from '../platform/schemas.ts';
import { getVisiblePost } from '../posts/index.ts';

/** POST|GET /v1/posts/{id}/comments: comments on a post the caller can see, oldest first. */
export const createCommentBody = z.object({ body: userText(2000) });
export const commentSchema = z.object({
  id: uuidSchema,
  postId: uuidSchema,
  authorId: uuidSchema,
  body: z.string(),
  createdAt: z.string(),
});
export type Comment = z.infer<typeof commentSchema>;

interface CommentRow {
  id: string;
  post_id: string;
  author_id: string;
  body: string;
  created_at: Date;
  ck: string;
}
const COLUMNS = 'id, post_id, author_id, body, created_at, created_at::text AS ck';
const toComment = (r: CommentRow): Comment => ({ id: r.id, postId: r.post_id, authorId: r.author_id, body: r.body, createdAt: r.created_at.toISOString() });

export async function addComment(deps: FeatureDeps, user: Caller, postId: string, body: string): Promise<Comment> {
  const post = await getVisiblePost(deps, user, postId);
  const events: RecordedEvent[] = [];
  const row = await deps.db.transaction(async (tx) => {
    const { rows } = await tx.query<CommentRow>(`INSERT INTO comments (post_id, author_id, body) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`, [postId, user.id, body]);
    const updated = await tx.query('UPDATE posts SET comment_count = comment_count + 1 WHERE id = $1', [postId]);
    if ((updated.rowCount ?? 0) === 0) throw new Error('post vanished while commenting');
    events.push(await deps.relay.record(tx, { type: 'comment.created', actorId: user.id, targetUserId: post.author_id, postId }));
    return rows[0] as CommentRow;
  });
  await deps.relay.publish(events);
  return toComment(row);
}

export async function listComments(deps: FeatureDeps, user: Caller, postId: string, q: { limit: number; cursor?: string }): Promise<Page<Comment>> {
  await getVisiblePost(deps, user, postId);
  const cursor = decodeCursor(q.cursor);
  const values: unknown[] = [postId, q.limit + 1];
  let after = '';
  if (cursor) {
    values.push(cursor.t, cursor.id);
    after = 'AND (created_at, id) > ($3::timestamptz, $4::uuid)';
  }
  const { rows } = await reader(deps.db).query<CommentRow>(
    `SELECT ${COLUMNS} FROM comments WHERE post_id = $1 ${after} ORDER BY created_at, id LIMIT $2`,
    values,
  );
  return toPage(rows, q.limit, toComment, (r) => ({ t: r.ck, id: r.id }));
}

export function commentsRouter(app: AppDeps): Router {
  const deps = featureDeps(app);
  const router = Router();
  router.use(app.guards.requireAuth);
  router.post('/:id/comments', async (req, res) => {
    const { id } = validate(idParams, req.params, 'params');
    const { body } = validate(createCommentBody, req.body);
    const comment = await addComment(deps, currentUser(res), id, body);
    res.status(201).json(comment);
  });
  router.get('/:id/comments', async (req, res) => {
    const { id } = validate(idParams, req.params, 'params');
    const q = validate(pageQuery, req.query, 'query');
    res.json(await listComments(deps, currentUser(res), id, q));
  });
  return router;
}
