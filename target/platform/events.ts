import { randomUUID } from 'node:crypto';
import type { RedisService } from './redis.ts';

/**
 * Domain events onto the Redis Stream `events` (consumed by the notification
 * workers' consumer group). Each event carries an id the consumer uses to
 * deduplicate (at-least-once delivery).
 */
export const EVENTS_STREAM = 'events';
/** Approximate cap on the stream length (XADD MAXLEN ~). */
export const EVENTS_STREAM_MAXLEN = 100_000;

export type EventType = 'post.created' | 'comment.created' | 'like.created' | 'follow.created';

export interface DomainEvent {
  type: EventType;
  actorId: string;
  targetUserId: string;
  postId?: string;
  /** Defaults to a fresh UUID. Pass a stable one when a retry must not duplicate. */
  eventId?: string;
}

/**
 * XADD the event; returns the event id. Throws DependencyUnavailableError when
 * Redis is down (the caller decides: fail the write with 503, or carry on).
 */
export async function publishEvent(redis: RedisService, event: DomainEvent): Promise<string> {
  const eventId = event.eventId ?? randomUUID();
  const fields = [
    'eventId',
    eventId,
    'type',
    event.type,
    'actorId',
    event.actorId,
    'targetUserId',
    event.targetUserId,
    'at',
    new Date().toISOString(),
  ];
  if (event.postId) fields.push('postId', event.postId);
  await redis.run((c) => c.xadd(EVENTS_STREAM, 'MAXLEN', '~', EVENTS_STREAM_MAXLEN, '*', ...fields));
  return eventId;
}
