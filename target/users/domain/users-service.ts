import type { Database } from '../../platform/db.ts';
import { publishEvent } from '../../platform/events.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../../platform/http-errors.ts';
import type { ReadCache } from '../../platform/cache.ts';
import type { RedisService } from '../../platform/redis.ts';
import type { PublicProfile, UserRecord, UsersRepo } from '../data-access/users-repo.ts';

/** Profile and follow-graph use cases (no req/res here). */
export interface Me extends UserRecord {
  followers: number;
  following: number;
}

const profileKey = (id: string) => `cache:user-profile:${id}`;
const PROFILE_CACHE = { freshMs: 5_000, ttlSeconds: 600, dependency: 'user-profile' };

export function createUsersService(d: { db: Database; redis: RedisService; users: UsersRepo; cache: ReadCache }) {
  return {
    async me(id: string): Promise<Me> {
      const [user, profile] = await Promise.all([d.users.findById(id), d.users.publicProfile(id)]);
      if (!user || !profile) throw new NotFoundError('Your account no longer exists.', 'USER_NOT_FOUND');
      return { ...user, followers: profile.followers, following: profile.following };
    },

    async updateMe(
      id: string,
      patch: { handle?: string; displayName?: string | null; bio?: string | null },
    ): Promise<UserRecord> {
      try {
        const user = await d.users.updateProfile(id, patch);
        if (!user) throw new NotFoundError('Your account no longer exists.', 'USER_NOT_FOUND');
        await d.cache.invalidate(profileKey(id));
        return user;
      } catch (err) {
        if ((err as { code?: unknown }).code === '23505')
          throw new ConflictError('That handle is taken.', 'HANDLE_TAKEN');
        throw err;
      }
    },

    /** Cached (5 s fresh); served stale from Redis while PostgreSQL is down. */
    async profile(id: string): Promise<{ profile: PublicProfile; source: string }> {
      const { value, source } = await d.cache.read(profileKey(id), PROFILE_CACHE, () => d.users.publicProfile(id));
      if (!value) throw new NotFoundError('No such user.', 'USER_NOT_FOUND');
      return { profile: value, source };
    },

    /**
     * Idempotent. A new edge publishes follow.created before the transaction
     * commits: if Redis cannot take the event the follow is rolled back and the
     * caller gets 503 (never a follow whose notification silently vanished).
     */
    async follow(followerId: string, followeeId: string): Promise<{ created: boolean }> {
      if (followerId === followeeId) throw new UnprocessableError('id', 'you cannot follow yourself', 'SELF_FOLLOW');
      if (!(await d.users.exists(followeeId))) throw new NotFoundError('No such user.', 'USER_NOT_FOUND');
      return d.db
        .transaction(async (tx) => {
          const created = await d.users.follow(tx, followerId, followeeId);
          if (created)
            await publishEvent(d.redis, { type: 'follow.created', actorId: followerId, targetUserId: followeeId });
          return { created };
        })
        .finally(() => d.cache.invalidate(profileKey(followerId), profileKey(followeeId)));
    },

    async unfollow(followerId: string, followeeId: string): Promise<void> {
      if (!(await d.users.exists(followeeId))) throw new NotFoundError('No such user.', 'USER_NOT_FOUND');
      await d.users.unfollow(followerId, followeeId);
      await d.cache.invalidate(profileKey(followerId), profileKey(followeeId));
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
