import { ForbiddenError, NotFoundError } from '../platform/http-errors.ts';
import { randomUUID } from 'node:crypto';
import { replayIdempotent, requestHash } from '../idempotency/index.ts';
import { bumpCacheEpoch, readThroughJson } from '../platform/page-cache.ts';
import type { CacheSource } from '../platform/page-cache.ts';
import type { RecordedEvent } from '../platform/relay.ts';
import { decodeCursor, toPage } from '../platform/pagination.ts';
import type { Page } from '../platform/pagination.ts';
import { isModerator, reader } from '../platform/feature-deps.ts';
import type { Caller } from '../platform/feature-deps.ts';
import type { FeatureDeps } from '../platform/feature-deps.ts';
import type { Queryable } from '../platform/db.ts';
import * as repo from './repository.ts';
import type { PostRow } from './repository.ts';
import type { CreatePostInput, Post, UpdatePostInput } from './schemas.ts';

/**
 * Post rules. Visibility: a private post exists only for its author and for
 * moderators (editor/admin) — anyone else gets 404, never 403, so private ids
 * cannot be probed. Changing a visible post someone else wrote is 403.
 */
export function canSee(user: Caller, row: Pick<PostRow, 'author_id' | 'visibility'>): boolean {
  return row.visibility === 'public' || row.author_id === user.id || isModerator(user);
}

function assertCanChange(user: Caller, row: PostRow): void {
  if (!canSee(user, row)) throw new NotFoundError('No such post.', 'POST_NOT_FOUND');
  if (row.author_id !== user.id && !isModerator(user))
    throw new ForbiddenError('Only the author, an editor or an admin may change this post.', 'NOT_POST_OWNER');
}

export interface CreateResult {
  status: number;
  body: Post;
  replayed: boolean;
}

export async function createPost(
  deps: FeatureDeps,
  user: Caller,
  input: CreatePostInput,
  idempotencyKey?: string,
): Promise<CreateResult> {
  const id = randomUUID();
  const event: RecordedEvent | null =
    input.visibility === 'public'
      ? { type: 'post.created', actorId: user.id, targetUserId: user.id, postId: id, eventId: randomUUID() }
      : null;
  const idempotency =
    idempotencyKey === undefined
      ? undefined
      : {
          key: idempotencyKey,
          hash: requestHash({ route: 'POST /v1/posts', body: input.body, visibility: input.visibility }),
        };
  // The post, its outbox event and the idempotency record in one statement (one round trip, atomic).
  const row = await repo.insertPostOnce(deps.db, {
    id,
    authorId: user.id,
    body: input.body,
    visibility: input.visibility,
    event: event && { eventId: event.eventId, payload: JSON.stringify(event) },
    idempotency,
  });
  if (row) {
    if (event) await deps.relay.publish([event]);
    return { status: 201, body: repo.toPost(row), replayed: false };
  }
  // The key was taken (by an earlier request, or a concurrent one that has committed by now): replay it.
  const stored = await replayIdempotent(deps.db, {
    userId: user.id,
    key: idempotencyKey as string,
    hash: (idempotency as { hash: string }).hash,
  });
  return stored as CreateResult;
}

/** Loads a post the caller may see, or throws 404. */
export async function getVisiblePost(deps: FeatureDeps, user: Caller, id: string): Promise<PostRow> {
  const row = await repo.findPost(reader(deps.db), id);
  if (!row || !canSee(user, row)) throw new NotFoundError('No such post.', 'POST_NOT_FOUND');
  return row;
}

export async function getPost(deps: FeatureDeps, user: Caller, id: string): Promise<Post> {
  return repo.toPost(await getVisiblePost(deps, user, id));
}

export async function listPosts(
  deps: FeatureDeps,
  user: Caller,
  q: { limit: number; cursor?: string; authorId?: string },
): Promise<Page<Post>> {
  const includePrivate = q.authorId !== undefined && (q.authorId === user.id || isModerator(user));
  return readPostsPage(reader(deps.db), { authorId: q.authorId, includePrivate, cursor: q.cursor, limit: q.limit });
}

/**
 * One page of the post list as the API shows it, from any Queryable: the cursor as the client sent it
 * (decoded and checked here), the list query, the page's items and next cursor. bench:target-routes runs
 * it on a bare pg.Pool behind bare Express as the floor of a read that must ask PostgreSQL.
 */
export async function readPostsPage(
  q: Queryable,
  f: { authorId?: string; includePrivate: boolean; cursor?: string; limit: number },
): Promise<Page<Post>> {
  const rows = await repo.listPosts(q, { ...f, cursor: decodeCursor(f.cursor) });
  return toPage(rows, f.limit, repo.toPost, repo.postKey);
}

/**
 * The newest public posts — GET /v1/posts without a cursor or an author, the
 * hottest read there is, the same page for every caller — from the read-through
 * page cache (`posts:latest`, one field per limit): fresh for LATEST_FRESH_MS,
 * kept in this process too (memo: Redis is asked only whether it is still the
 * same page and epoch), so a worker asks PostgreSQL about once per second per
 * limit instead of once per request. A new post shows within LATEST_FRESH_MS;
 * an edited, privatised or deleted one is gone at once (each bumps the cache
 * epoch); with PostgreSQL down the last page of the current epoch is answered
 * (stale) instead of a 503. Later pages and an author's list read PostgreSQL
 * each time. The page holds public posts only, the same for every caller.
 */
export const LATEST_KEY = 'posts:latest';
export const LATEST_FRESH_MS = 1_000;

export async function listLatestPage(
  deps: FeatureDeps,
  user: Caller,
  limit: number,
): Promise<{ json: string; source: CacheSource }> {
  const out = await readThroughJson(
    deps.redis,
    { key: LATEST_KEY, field: `limit:${limit}` },
    { freshMs: LATEST_FRESH_MS, staleMs: 10 * 60_000, memo: true },
    () => listPosts(deps, user, { limit }),
  );
  return { json: out.json, source: out.source };
}

export async function updatePost(deps: FeatureDeps, user: Caller, id: string, patch: UpdatePostInput): Promise<Post> {
  const post = await deps.db.transaction(async (tx) => {
    const row = await repo.findPost(tx, id, true);
    if (!row) throw new NotFoundError('No such post.', 'POST_NOT_FOUND');
    assertCanChange(user, row);
    const updated = await repo.updatePost(tx, id, patch);
    return repo.toPost(updated as PostRow);
  });
  // An edited post (above all one made private) must not stay as it was in cached feeds/trending.
  await bumpCacheEpoch(deps.redis);
  return post;
}

export async function deletePost(deps: FeatureDeps, user: Caller, id: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const row = await repo.findPost(tx, id, true);
    if (!row) throw new NotFoundError('No such post.', 'POST_NOT_FOUND');
    assertCanChange(user, row);
    await repo.deletePost(tx, id);
  });
  await bumpCacheEpoch(deps.redis);
}
