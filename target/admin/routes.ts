import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../platform/deps.ts';
import { NotFoundError, UnprocessableError } from '../platform/http-errors.ts';
import { ROLES } from '../platform/locals.ts';
import { validate } from '../platform/validate.ts';
import { createUsersRepo, ownView } from '../users/index.ts';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
const roleBody = z.object({ role: z.enum(ROLES as ['user', 'editor', 'admin']) });
const idParams = z.object({ id: z.uuid() });

const encodeCursor = (c: { createdAt: string; id: string }) =>
  Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');
function decodeCursor(s: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof createdAt === 'string' &&
      !Number.isNaN(Date.parse(createdAt)) &&
      typeof id === 'string' &&
      z.uuid().safeParse(id).success
    )
      return { createdAt, id };
  } catch {
    /* fall through */
  }
  throw new UnprocessableError('query.cursor', 'is not a cursor this API returned');
}

/** /v1/admin — every route needs the admin role (RBAC: user < editor < admin). */
export function adminRouter(deps: AppDeps): Router {
  const users = createUsersRepo(deps.db);
  const router = Router();
  router.use(deps.guards.requireRole('admin'));

  router.get('/users', async (req, res) => {
    const q = validate(listQuery, req.query, 'query');
    const page = await users.list(q.limit + 1, q.cursor ? decodeCursor(q.cursor) : null);
    const items = page.slice(0, q.limit);
    const last = items[items.length - 1];
    res.json({
      items: items.map(({ cursor: _c, ...u }) => ownView(u)),
      nextCursor: page.length > q.limit && last ? encodeCursor(last.cursor) : null,
    });
  });

  router.post('/users/:id/role', async (req, res) => {
    const parsed = idParams.safeParse(req.params);
    if (!parsed.success) throw new NotFoundError('No such user.', 'USER_NOT_FOUND');
    const { role } = validate(roleBody, req.body);
    const user = await users.setRole(parsed.data.id, role);
    if (!user) throw new NotFoundError('No such user.', 'USER_NOT_FOUND');
    deps.logger.info({ admin: res.locals.user?.id, target: user.id, role }, 'role changed');
    res.json({ user: ownView(user) });
  });

  return router;
}
