import { z } from 'zod';
import { Router } from 'express';
import type { AppDeps } from '../platform/deps.ts';
import { validate } from '../platform/validate.ts';
import { currentUser } from '../platform/locals.ts';
import { decodeCursor, pageQuery, toPage } from '../platform/pagination.ts';
import { reader } from '../platform/feature-deps.ts';
import { uuidSchema } from '../platform/schemas.ts';

/** GET /v1/notifications: the caller's notifications, newest first. */
export const notificationSchema = z.object({
  id: uuidSchema,
  type: z.enum(['post.created', 'comment.created', 'like.created', 'follow.created']),
  actorId: uuidSchema.nullable(),
  postId: uuidSchema.nullable(),
  eventId: z.string(),
  createdAt: z.string(),
  read: z.boolean(),
});
export type Notification = z.infer<typeof notificationSchema>;

interface Row {
  id: string;
  type: Notification['type'];
  actor_id: string | null;
  post_id: string | null;
  event_id: string;
  created_at: Date;
  read_at: Date | null;
  ck: string;
}

export function notificationsRouter(app: AppDeps): Router {
  const router = Router();
  router.get('/', app.guards.requireAuth, async (req, res) => {
    const user = currentUser(res);
    const q = validate(pageQuery, req.query, 'query');
    const cursor = decodeCursor(q.cursor);
    const values: unknown[] = [user.id, q.limit + 1];
    let before = '';
    if (cursor) {
      values.push(cursor.t, cursor.id);
      before = 'AND (created_at, id) < ($3::timestamptz, $4::uuid)';
    }
    const { rows } = await reader(app.db).query<Row>(
      `SELECT id, type, actor_id, post_id, event_id, created_at, read_at, created_at::text AS ck FROM notifications
        WHERE user_id = $1 ${before} ORDER BY created_at DESC, id DESC LIMIT $2`,
      values,
    );
    res.json(
      toPage(
        rows,
        q.limit,
        (r) => ({
          id: r.id,
          type: r.type,
          actorId: r.actor_id,
          postId: r.post_id,
          eventId: r.event_id,
          createdAt: r.created_at.toISOString(),
          read: r.read_at !== null,
        }),
        (r) => ({ t: r.ck, id: r.id }),
      ),
    );
  });
  return router;
}
