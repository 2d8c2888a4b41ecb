import { Router } from 'express';
import type { Request } from 'express';
import { currentUser } from '../platform/locals.ts';
import type { AppDeps } from '../platform/deps.ts';
import { createReadCache } from '../platform/cache.ts';
import { NotFoundError } from '../platform/http-errors.ts';
import { validate } from '../platform/validate.ts';
import { createUsersRepo } from './data-access/users-repo.ts';
import type { UserRecord } from './data-access/users-repo.ts';
import { createUsersService } from './domain/users-service.ts';
import { idParams, patchMeBody } from './schemas.ts';

export const ownView = (u: UserRecord) => ({
  id: u.id,
  email: u.email,
  handle: u.handle,
  role: u.role,
  displayName: u.displayName,
  bio: u.bio,
  createdAt: u.createdAt,
  updatedAt: u.updatedAt,
});

/** A malformed id cannot name a user: 404, like an unknown one. */
function userId(req: Request): string {
  const parsed = idParams.safeParse(req.params);
  if (!parsed.success) throw new NotFoundError('No such user.', 'USER_NOT_FOUND');
  return parsed.data.id;
}

/** /v1/users */
export function usersRouter(deps: AppDeps): Router {
  const cache = createReadCache({ redis: deps.redis, metrics: deps.metrics, fallback: deps.config.redisFallback });
  const service = createUsersService({ db: deps.db, redis: deps.redis, users: createUsersRepo(deps.db), cache });
  const { requireAuth } = deps.guards;
  const router = Router();

  router.get('/me', requireAuth, async (_req, res) => {
    const me = await service.me(currentUser(res).id);
    res.json({ ...ownView(me), followers: me.followers, following: me.following });
  });

  router.patch('/me', requireAuth, async (req, res) => {
    res.json(ownView(await service.updateMe(currentUser(res).id, validate(patchMeBody, req.body))));
  });

  router.get('/:id', async (req, res) => {
    const { profile, source } = await service.profile(userId(req));
    res.setHeader('X-Cache', source === 'database' ? 'miss' : source === 'cache' ? 'hit' : 'stale');
    res.json(profile);
  });

  router.post('/:id/follow', requireAuth, async (req, res) => {
    const id = userId(req);
    const { created } = await service.follow(currentUser(res).id, id);
    res.status(created ? 201 : 200).json({ following: true, userId: id });
  });

  router.delete('/:id/follow', requireAuth, async (req, res) => {
    await service.unfollow(currentUser(res).id, userId(req));
    res.status(204).end();
  });

  return router;
}
