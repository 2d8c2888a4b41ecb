import type { Queryable } from '../platform/db.ts';

/**
 * What each stream event does, as ONE SQL statement (atomic on its own: no
 * BEGIN/COMMIT round trips). The statement first records the event id in
 * `processed_events` (ON CONFLICT DO NOTHING) and makes its other writes only
 * when that insert happened: a redelivered event (at-least-once) finds its id
 * there and changes nothing; `notifications (event_id, user_id)` is unique as a
 * second guard. One round trip per event instead of four (BEGIN, the dedupe
 * insert, the write, COMMIT).
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
  return {
    streamId,
    eventId: fields.eventId,
    type: fields.type,
    actorId: fields.actorId,
    targetUserId: fields.targetUserId,
    postId: fields.postId,
    fields,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidOrNull = (v: string | undefined) => (v && UUID.test(v) ? v : null);

export type HandleOutcome = 'applied' | 'duplicate' | 'ignored';

/** `processed_events` insert + the event's own write, run only for a first delivery; `fresh` says which. */
const once = (write: string) => `WITH first AS (
    INSERT INTO processed_events (event_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1
  )${write ? `, applied AS (${write} RETURNING 1)` : ''}
  SELECT (SELECT count(*)::int FROM first) AS fresh${write ? ', (SELECT count(*)::int FROM applied) AS wrote' : ', 0 AS wrote'}`;

const FANOUT_TO_FOLLOWERS = once(`INSERT INTO notifications (user_id, event_id, type, actor_id, post_id)
    SELECT f.follower_id, $1, $2, $3::uuid, $4::uuid FROM follows f, first WHERE f.followee_id = $3::uuid
    ON CONFLICT (event_id, user_id) DO NOTHING`);
const NOTIFY_TARGET = once(`INSERT INTO notifications (user_id, event_id, type, actor_id, post_id)
    SELECT $3::uuid, $1, $2, $4::uuid, $5::uuid FROM first WHERE EXISTS (SELECT 1 FROM users WHERE id = $3::uuid)
    ON CONFLICT (event_id, user_id) DO NOTHING`);
const RESET_MAIL = once(`INSERT INTO outbox (topic, recipient, payload)
    SELECT 'mail.password-reset', u.email, $4::jsonb FROM users u, first WHERE u.id = $3::uuid`);
const RECORD_ONLY = once('');

export async function applyEvent(q: Queryable, ev: StreamEvent): Promise<HandleOutcome> {
  const actor = uuidOrNull(ev.actorId);
  const target = uuidOrNull(ev.targetUserId);
  const post = uuidOrNull(ev.postId);
  const run = async (
    sql: string,
    values: unknown[],
    applied: HandleOutcome = 'applied',
    nothingWritten: HandleOutcome = applied,
  ): Promise<HandleOutcome> => {
    const { rows } = await q.query<{ fresh: number; wrote: number }>(sql, [ev.eventId, ev.type, ...values]);
    if ((rows[0]?.fresh ?? 0) === 0) return 'duplicate';
    return (rows[0]?.wrote ?? 0) > 0 ? applied : nothingWritten;
  };
  switch (ev.type) {
    case 'post.created':
      if (!actor) return run(RECORD_ONLY, [], 'ignored');
      // Fan-out on write to every follower (follows_followee_idx).
      return run(FANOUT_TO_FOLLOWERS, [actor, post]);
    case 'comment.created':
    case 'like.created':
    case 'follow.created':
      if (!target || target === actor) return run(RECORD_ONLY, [], 'ignored');
      return run(NOTIFY_TARGET, [target, actor, post]);
    case 'password-reset.requested': {
      // The reset mail ends in the outbox (there is no mail server); the link travels in the event.
      if (!target) return run(RECORD_ONLY, [], 'ignored');
      const payload = {
        eventId: ev.eventId,
        subject: 'Reset your SocialConnect password',
        text: `Someone asked to reset your password. Use this token within the hour: ${ev.fields.token ?? ev.fields.resetToken ?? '(missing)'}`,
        ...(ev.fields.resetUrl ? { resetUrl: ev.fields.resetUrl } : {}),
        ...(ev.fields.token ? { token: ev.fields.token } : {}),
      };
      // A reset for a user that no longer exists is recorded as processed and mails no one.
      return run(RESET_MAIL, [target, JSON.stringify(payload)], 'applied', 'ignored');
    }
    default:
      return run(RECORD_ONLY, [], 'ignored');
  }
}
