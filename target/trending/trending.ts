import { z } from 'zod';
import { Router } from 'express';
import type { AppDeps } from '../platform/deps.ts';
import { validate } from '../platform/validate.ts';
import { decodeOffsetCursor, encodeOffsetCursor, pageQuery } from '../platform/pagination.ts';
import type { Page } from '../platform/pagination.ts';
import { featureDeps, reader } from '../platform/feature-deps.ts';
import type { FeatureDeps } from '../platform/feature-deps.ts';
import { POST_COLUMNS, postSchema, toPost } from '../posts/index.ts';
import type { PostRow } from '../posts/index.ts';
import { readThroughJson } from '../platform/page-cache.ts';
import type { CacheSource } from '../platform/page-cache.ts';

/**
 * GET /v1/trending: the public posts with the most likes in the last
 * TRENDING_WINDOW_HOURS, best first. One ranked list of TRENDING_SIZE posts is
 * computed from PostgreSQL and cached in Redis (`trending`, fresh
 * TRENDING_FRESH_MS, stale copy kept for PostgreSQL outages); pages are
 * offset cursors into that list.
 */
export const TRENDING_WINDOW_HOURS = 24;
export const TRENDING_SIZE = 100;
export const TRENDING_FRESH_MS = 30_000;
export const TRENDING_KEY = 'trending';

export const trendingItemSchema = postSchema.extend({ recentLikes: z.number().int().min(0) });
export type TrendingItem = z.infer<typeof trendingItemSchema>;

export async function computeTrending(deps: Pick<FeatureDeps, 'db'>): Promise<TrendingItem[]> {
  // likes_created_post_idx gives the window; the join is by primary key.
  const { rows } = await reader(deps.db).query<PostRow & { recent_likes: number }>(
    `WITH recent AS (
       SELECT post_id, count(*)::int AS recent_likes FROM likes
        WHERE created_at > now() - make_interval(hours => $1)
        GROUP BY post_id ORDER BY recent_likes DESC, post_id LIMIT $2 * 2)
     SELECT ${POST_COLUMNS}, r.recent_likes FROM recent r JOIN posts p ON p.id = r.post_id
      WHERE p.visibility = 'public'
      ORDER BY r.recent_likes DESC, p.created_at DESC, p.id DESC LIMIT $2`,
    [TRENDING_WINDOW_HOURS, TRENDING_SIZE],
  );
  return rows.map((r) => ({ ...toPost(r), recentLikes: r.recent_likes }));
}

/**
 * A page of trending posts and its JSON text. The ranked list is kept in this
 * process too (memo: Redis is asked only whether it is still the same list and
 * epoch), parsed once per list, and each page serialised once per list.
 */
export async function getTrendingPage(
  deps: FeatureDeps,
  limit: number,
  cursor?: string,
): Promise<{ data: Page<TrendingItem>; json: string; source: CacheSource }> {
  const offset = decodeOffsetCursor(cursor);
  const out = await readThroughJson(
    deps.redis,
    { key: TRENDING_KEY, field: 'top' },
    { freshMs: TRENDING_FRESH_MS, staleMs: 10 * 60_000, staleWhileRevalidateMs: TRENDING_FRESH_MS, memo: true },
    () => computeTrending(deps),
  );
  const { derived } = out.entry;
  let list = derived.get('list') as TrendingItem[] | undefined;
  if (!list) {
    list = out.data ?? (JSON.parse(out.json) as TrendingItem[]);
    derived.set('list', list);
  }
  const pageKey = `page:${offset}:${limit}`;
  let page = derived.get(pageKey) as { data: Page<TrendingItem>; json: string } | undefined;
  if (!page) {
    const items = list.slice(offset, offset + limit);
    const next = offset + limit < list.length ? encodeOffsetCursor(offset + limit) : null;
    const data = { items, nextCursor: next };
    page = { data, json: JSON.stringify(data) };
    if (derived.size < 200) derived.set(pageKey, page); // the usual pages; odd offsets and limits are built each time
  }
  return { ...page, source: out.source };
}

export async function getTrending(
  deps: FeatureDeps,
  limit: number,
  cursor?: string,
): Promise<{ data: Page<TrendingItem>; source: CacheSource }> {
  const { data, source } = await getTrendingPage(deps, limit, cursor);
  return { data, source };
}

export function trendingRouter(app: AppDeps): Router {
  const deps = featureDeps(app);
  const router = Router();
  router.get('/', app.guards.requireAuth, async (req, res) => {
    const q = validate(pageQuery, req.query, 'query');
    const out = await getTrendingPage(deps, q.limit, q.cursor);
    res.setHeader('X-Cache', out.source);
    res.type('json').send(out.json);
  });
  return router;
}
