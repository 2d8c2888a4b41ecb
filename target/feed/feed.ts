import { Router } from 'express';
import type { AppDeps } from '../platform/deps.ts';
import { validate } from '../platform/validate.ts';
import { currentUser } from '../platform/locals.ts';
import { decodeCursor, pageQuery, toPage } from '../platform/pagination.ts';
import type { Page } from '../platform/pagination.ts';
import { featureDeps, reader } from '../platform/feature-deps.ts';
import type { Caller, FeatureDeps } from '../platform/feature-deps.ts';
import { POST_COLUMNS, postKey, toPost } from '../posts/index.ts';
import type { Post, PostRow } from '../posts/index.ts';
import { invalidate, readThroughJson } from '../platform/page-cache.ts';
import type { CachedJson } from '../platform/page-cache.ts';

/**
 * GET /v1/feed: public posts of the accounts the caller follows, newest first.
 * Cached per user and page in the Redis hash `feed:{userId}` — fresh for
 * FEED_FRESH_MS, kept STALE_MS as a fallback for when PostgreSQL is down.
 * A follow of the caller's drops the hash (the notification consumer does it on
 * `follow.created`); new posts of followees show within FEED_FRESH_MS, plus one
 * background refresh when the page was read again within REVALIDATE_MS after
 * that (stale-while-revalidate: a slow database does not slow readers down).
 */
export const FEED_FRESH_MS = 15_000;
export const STALE_MS = 10 * 60_000;
export const REVALIDATE_MS = 30_000;
export const feedKey = (userId: string) => `feed:${userId}`;

export async function loadFeed(
  deps: FeatureDeps,
  userId: string,
  limit: number,
  cursorRaw?: string,
): Promise<Page<Post>> {
  const cursor = decodeCursor(cursorRaw);
  const values: unknown[] = [userId, limit + 1];
  let before = '';
  if (cursor) {
    values.push(cursor.t, cursor.id);
    before = 'AND (p.created_at, p.id) < ($3::timestamptz, $4::uuid)';
  }
  // One index range scan per followee (posts_author_created_idx), merged and cut.
  const { rows } = await reader(deps.db).query<PostRow>(
    `SELECT fp.* FROM follows f
     CROSS JOIN LATERAL (
       SELECT ${POST_COLUMNS} FROM posts p
        WHERE p.author_id = f.followee_id AND p.visibility = 'public' ${before}
        ORDER BY p.created_at DESC, p.id DESC LIMIT $2) fp
     WHERE f.follower_id = $1
     ORDER BY fp.created_at DESC, fp.id DESC LIMIT $2`,
    values,
  );
  return toPage(rows, limit, toPost, postKey);
}

/** The caller's feed page as the cached JSON text (Page<Post>): a hit is answered without parsing it. */
export async function getFeed(deps: FeatureDeps, user: Caller, limit: number, cursor?: string): Promise<CachedJson> {
  if (cursor !== undefined) decodeCursor(cursor); // a bad cursor is a 422 before touching the cache
  return readThroughJson(
    deps.redis,
    { key: feedKey(user.id), field: `${limit}:${cursor ?? ''}` },
    { freshMs: FEED_FRESH_MS, staleMs: STALE_MS, staleWhileRevalidateMs: REVALIDATE_MS },
    () => loadFeed(deps, user.id, limit, cursor),
  );
}

export const invalidateFeed = (deps: Pick<FeatureDeps, 'redis'>, userId: string) =>
  invalidate(deps.redis, feedKey(userId));

export function feedRouter(app: AppDeps): Router {
  const deps = featureDeps(app);
  const router = Router();
  router.get('/', app.guards.requireAuth, async (req, res) => {
    const q = validate(pageQuery, req.query, 'query');
    const out = await getFeed(deps, currentUser(res), q.limit, q.cursor);
    res.setHeader('X-Cache', out.source);
    res.setHeader('Cache-Control', 'private, no-store');
    res.type('json').send(out.json);
  });
  return router;
}
