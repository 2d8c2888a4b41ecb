import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Router } from 'express';
import type { AppDeps } from '../platform/deps.ts';
import { validate } from '../platform/validate.ts';
import { currentUser } from '../platform/locals.ts';
import { decodeCursor, pageQuery, toPage } from '../platform/pagination.ts';
import type { Page } from '../platform/pagination.ts';
import { featureDeps, isModerator, reader } from '../platform/feature-deps.ts';
import type { Caller, FeatureDeps } from '../platform/feature-deps.ts';
import { idParams, userText, uuidSchema } from '../platform/schemas.ts';
import { canSee, getVisiblePost } from '../posts/index.ts';
import { NotFoundError } from '../platform/http-errors.ts';

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
const toComment = (r: CommentRow): Comment => ({
  id: r.id,
  postId: r.post_id,
  authorId: r.author_id,
  body: r.body,
  createdAt: r.created_at.toISOString(),
});

/**
 * A comment in one statement (one round trip instead of six: the visibility read, BEGIN, the comment, the
 * post's count, the outbox event, COMMIT): written only when the caller may see the post.
 */
const COMMENT_ONCE = `WITH post AS (SELECT id, author_id, visibility FROM posts WHERE id = $1::uuid),
  c AS (INSERT INTO comments (post_id, author_id, body)
        SELECT id, $2::uuid, $3::text FROM post WHERE visibility = 'public' OR author_id = $2::uuid OR $4::boolean
        RETURNING ${COLUMNS}),
  upd AS (UPDATE posts p SET comment_count = p.comment_count + 1 FROM c WHERE p.id = c.post_id),
  ev AS (INSERT INTO event_relay (event_id, payload)
         SELECT $5::text, jsonb_build_object('type', 'comment.created', 'actorId', $2::uuid, 'targetUserId', post.author_id, 'postId', post.id, 'eventId', $5::text)
           FROM c, post)
  SELECT c.*, post.author_id AS post_author_id, post.visibility AS post_visibility FROM post LEFT JOIN c ON true`;

export async function addComment(deps: FeatureDeps, user: Caller, postId: string, body: string): Promise<Comment> {
  const eventId = randomUUID();
  const { rows } = await deps.db.query<
    Partial<CommentRow> & { post_author_id: string; post_visibility: 'public' | 'private' }
  >(COMMENT_ONCE, [postId, user.id, body, isModerator(user), eventId]);
  const row = rows[0];
  if (!row || !canSee(user, { author_id: row.post_author_id, visibility: row.post_visibility }) || !row.id) {
    throw new NotFoundError('No such post.', 'POST_NOT_FOUND');
  }
  await deps.relay.publish([
    { type: 'comment.created', actorId: user.id, targetUserId: row.post_author_id, postId, eventId },
  ]);
  return toComment(row as CommentRow);
}

export async function listComments(
  deps: FeatureDeps,
  user: Caller,
  postId: string,
  q: { limit: number; cursor?: string },
): Promise<Page<Comment>> {
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
