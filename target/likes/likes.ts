import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Router } from 'express';
import type { AppDeps } from '../platform/deps.ts';
import { validate } from '../platform/validate.ts';
import { currentUser } from '../platform/locals.ts';
import type { RecordedEvent } from '../platform/relay.ts';
import { featureDeps, isModerator, reader } from '../platform/feature-deps.ts';
import type { Caller, FeatureDeps } from '../platform/feature-deps.ts';
import { idParams, uuidSchema } from '../platform/schemas.ts';
import { canSee, getVisiblePost } from '../posts/index.ts';
import { NotFoundError } from '../platform/http-errors.ts';

/**
 * POST|DELETE /v1/posts/{id}/like — idempotent: liking twice leaves one like,
 * unliking a post you never liked is fine. The like row's primary key
 * (post_id, user_id) is what makes concurrent double-likes count once.
 */
export const likeStateSchema = z.object({ postId: uuidSchema, liked: z.boolean(), likeCount: z.number().int().min(0) });
export type LikeState = z.infer<typeof likeStateSchema>;

/**
 * A like in one statement (one round trip instead of five: the visibility read, BEGIN, the like, the count
 * and its event, COMMIT): the post is read, and only when the caller may see it the like row is inserted;
 * only when that insert happened (the first like) the count goes up and the outbox event is written.
 */
const LIKE_ONCE = `WITH post AS (SELECT id, author_id, visibility, like_count FROM posts WHERE id = $1::uuid),
  ins AS (INSERT INTO likes (post_id, user_id)
          SELECT id, $2::uuid FROM post WHERE visibility = 'public' OR author_id = $2::uuid OR $3::boolean
          ON CONFLICT DO NOTHING RETURNING post_id),
  upd AS (UPDATE posts p SET like_count = p.like_count + 1 FROM ins WHERE p.id = ins.post_id RETURNING p.like_count),
  ev AS (INSERT INTO event_relay (event_id, payload)
         SELECT $4::text, jsonb_build_object('type', 'like.created', 'actorId', $2::uuid, 'targetUserId', post.author_id, 'postId', post.id, 'eventId', $4::text)
           FROM ins, post)
  SELECT post.author_id, post.visibility, (SELECT like_count FROM upd) AS liked_count, (SELECT count(*)::int FROM ins) AS inserted FROM post`;

async function like(deps: FeatureDeps, user: Caller, postId: string): Promise<LikeState> {
  const eventId = randomUUID();
  const { rows } = await deps.db.query<{
    author_id: string;
    visibility: 'public' | 'private';
    liked_count: number | null;
    inserted: number;
  }>(LIKE_ONCE, [postId, user.id, isModerator(user), eventId]);
  const row = rows[0];
  if (!row || !canSee(user, row)) throw new NotFoundError('No such post.', 'POST_NOT_FOUND');
  if (row.inserted > 0) {
    await deps.relay.publish([
      { type: 'like.created', actorId: user.id, targetUserId: row.author_id, postId, eventId },
    ]);
    return { postId, liked: true, likeCount: row.liked_count ?? 0 };
  }
  // Liked already (maybe by a concurrent request of the same user that committed while this one waited on
  // the like's key): the count as it is now, which includes that like.
  const { rows: now } = await reader(deps.db).query<{ like_count: number }>(
    'SELECT like_count FROM posts WHERE id = $1',
    [postId],
  );
  return { postId, liked: true, likeCount: now[0]?.like_count ?? 0 };
}

export async function setLike(deps: FeatureDeps, user: Caller, postId: string, liked: boolean): Promise<LikeState> {
  if (liked) return like(deps, user, postId);
  const post = await getVisiblePost(deps, user, postId);
  const events: RecordedEvent[] = [];
  const likeCount = await deps.db.transaction(async (tx) => {
    const changed = liked
      ? await tx.query('INSERT INTO likes (post_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [postId, user.id])
      : await tx.query('DELETE FROM likes WHERE post_id = $1 AND user_id = $2', [postId, user.id]);
    if ((changed.rowCount ?? 0) === 0) {
      const { rows } = await tx.query<{ like_count: number }>('SELECT like_count FROM posts WHERE id = $1', [postId]);
      return rows[0]?.like_count ?? 0;
    }
    const { rows } = await tx.query<{ like_count: number }>(
      'UPDATE posts SET like_count = GREATEST(like_count + $2, 0) WHERE id = $1 RETURNING like_count',
      [postId, liked ? 1 : -1],
    );
    if (liked)
      events.push(
        await deps.relay.record(tx, { type: 'like.created', actorId: user.id, targetUserId: post.author_id, postId }),
      );
    return rows[0]?.like_count ?? 0;
  });
  await deps.relay.publish(events);
  return { postId, liked, likeCount };
}

export function likesRouter(app: AppDeps): Router {
  const deps = featureDeps(app);
  const router = Router();
  router.use(app.guards.requireAuth);
  router.post('/:id/like', async (req, res) => {
    const { id } = validate(idParams, req.params, 'params');
    res.json(await setLike(deps, currentUser(res), id, true));
  });
  router.delete('/:id/like', async (req, res) => {
    const { id } = validate(idParams, req.params, 'params');
    res.json(await setLike(deps, currentUser(res), id, false));
  });
  return router;
}
