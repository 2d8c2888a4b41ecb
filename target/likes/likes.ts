import { z } from 'zod';
import { Router } from 'express';
import type { AppDeps } from '../platform/deps.ts';
import { validate } from '../platform/validate.ts';
import { currentUser } from '../platform/locals.ts';
import type { RecordedEvent } from '../platform/relay.ts';
import { featureDeps } from '../platform/feature-deps.ts';
import type { Caller, FeatureDeps } from '../platform/feature-deps.ts';
import { idParams, uuidSchema } from '../platform/schemas.ts';
import { getVisiblePost } from '../posts/index.ts';

/**
 * POST|DELETE /v1/posts/{id}/like — idempotent: liking twice leaves one like,
 * unliking a post you never liked is fine. The like row's primary key
 * (post_id, user_id) is what makes concurrent double-likes count once.
 */
export const likeStateSchema = z.object({ postId: uuidSchema, liked: z.boolean(), likeCount: z.number().int().min(0) });
export type LikeState = z.infer<typeof likeStateSchema>;

export async function setLike(deps: FeatureDeps, user: Caller, postId: string, liked: boolean): Promise<LikeState> {
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
    if (liked) events.push(await deps.relay.record(tx, { type: 'like.created', actorId: user.id, targetUserId: post.author_id, postId }));
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
