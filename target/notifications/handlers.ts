import type { Queryable } from '../platform/db.ts';

/**
 * What each stream event does, inside one PostgreSQL transaction. The event id
 * is recorded in `processed_events` first: a redelivered event (at-least-once)
 * finds it there and does nothing; `notifications (event_id, user_id)` is
 * unique as a second guard.
 */
export interface StreamEvent {
  /** The stream entry id (e.g. 1700000000000-0). */
  streamId: string;
  eventId: string;
  type: string;
  actorId?: string;
  targetUserId?: string;
  postId?: string;
  /** Every field of the entry, for event types with extra data (mail). */
  fields: Record<string, string>;
}

export function parseEntry(streamId: string, flat: string[]): StreamEvent | null {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  if (!fields.eventId || !fields.type) return null;
  return { streamId, eventId: fields.eventId, type: fields.type, actorId: fields.actorId, targetUserId: fields.targetUserId, postId: fields.postId, fields };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidOrNull = (v: string | undefined) => (v && UUID.test(v) ? v : null);

export type HandleOutcome = 'applied' | 'duplicate' | 'ignored';

export async function applyEvent(tx: Queryable, ev: StreamEvent): Promise<HandleOutcome> {
  const first = await tx.query('INSERT INTO processed_events (event_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING', [ev.eventId, ev.type]);
  if ((first.rowCount ?? 0) === 0) return 'duplicate';
  const actor = uuidOrNull(ev.actorId);
  const target = uuidOrNull(ev.targetUserId);
  const post = uuidOrNull(ev.postId);
  switch (ev.type) {
    case 'post.created':
      if (!actor) return 'ignored';
      // Fan-out on write to every follower (follows_followee_idx).
      await tx.query(
        `INSERT INTO notifications (user_id, event_id, type, actor_id, post_id)
         SELECT f.follower_id, $1, $2, $3, $4 FROM follows f WHERE f.followee_id = $3
         ON CONFLICT (event_id, user_id) DO NOTHING`,
        [ev.eventId, ev.type, actor, post],
      );
      return 'applied';
    case 'comment.created':
    case 'like.created':
    case 'follow.created':
      if (!target || target === actor) return 'ignored';
      await tx.query(
        `INSERT INTO notifications (user_id, event_id, type, actor_id, post_id)
         SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM users WHERE id = $1)
         ON CONFLICT (event_id, user_id) DO NOTHING`,
        [target, ev.eventId, ev.type, actor, post],
      );
      return 'applied';
    case 'password-reset.requested': {
      // The reset mail ends in the outbox (there is no mail server); the link travels in the event.
      if (!target) return 'ignored';
      const { rows } = await tx.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [target]);
      const email = rows[0]?.email;
      if (!email) return 'ignored';
      const payload = {
        eventId: ev.eventId,
        subject: 'Reset your SocialConnect password',
        text: `Someone asked to reset your password. Use this token within the hour: ${ev.fields.token ?? ev.fields.resetToken ?? '(missing)'}`,
        ...(ev.fields.resetUrl ? { resetUrl: ev.fields.resetUrl } : {}),
        ...(ev.fields.token ? { token: ev.fields.token } : {}),
      };
      await tx.query('INSERT INTO outbox (topic, recipient, payload) VALUES ($1, $2, $3)', ['mail.password-reset', email, JSON.stringify(payload)]);
      return 'applied';
    }
    default:
      return 'ignored';
  }
}
