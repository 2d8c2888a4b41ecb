import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../platform/db.ts';
import { publishEvent } from '../platform/events.ts';
import type { DomainEvent } from '../platform/events.ts';
import type { Logger } from '../platform/logger.ts';
import type { RedisService } from '../platform/redis.ts';

/**
 * Transactional outbox for stream events. A write records its event in
 * `event_relay` inside its own transaction, so the event exists exactly when
 * the write does. After commit the event is XADDed at once and the row
 * deleted (the deletes of the rows published in the same ~20 ms are one
 * statement, off the request's path); when Redis is down the write still succeeds and the row waits for
 * the relay loop (every worker runs one; FOR UPDATE SKIP LOCKED keeps them
 * apart), which publishes it when Redis is back. The event id is fixed at
 * record time, so a duplicate publish is deduplicated by the consumers.
 */
export type RecordedEvent = DomainEvent & { eventId: string };

export interface EventRelay {
  record(tx: Queryable, event: DomainEvent): Promise<RecordedEvent>;
  /** Best effort right after commit; never throws. */
  publish(events: RecordedEvent[]): Promise<void>;
  /** Publishes rows older than `minAgeMs` (left by a failed immediate publish). Returns how many. */
  drainOnce(minAgeMs?: number): Promise<number>;
  start(intervalMs?: number): void;
  stop(): Promise<void>;
}

export const RELAY_DELETE_BATCH_MS = 20;

export function createEventRelay(deps: { db: Database; redis: RedisService; logger: Logger }): EventRelay {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  // Rows already published, deleted together: one DELETE for all the writes of a short window instead of
  // one round trip per write. A row whose delete is lost (PostgreSQL down, shutdown) is published again
  // by the relay loop, and the consumers skip the duplicate by its event id.
  let published: string[] = [];
  let deleting: Promise<void> | undefined;
  let deleteTimer: NodeJS.Timeout | undefined;
  const flushDeletes = async (): Promise<void> => {
    clearTimeout(deleteTimer);
    deleteTimer = undefined;
    const ids = published;
    published = [];
    if (!ids.length) return;
    await deps.db.query('DELETE FROM event_relay WHERE event_id = ANY($1::text[])', [ids]).then(
      () => {},
      () => {},
    );
  };
  const scheduleDelete = () => {
    deleteTimer ??= setTimeout(() => {
      deleting = flushDeletes().finally(() => {
        deleting = undefined;
      });
    }, RELAY_DELETE_BATCH_MS);
  };

  const drainOnce = async (minAgeMs = 2000): Promise<number> => {
    if (!deps.redis.available()) return 0;
    return deps.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ event_id: string; payload: RecordedEvent }>(
        `SELECT event_id, payload FROM event_relay
          WHERE created_at < now() - make_interval(secs => $1::float8 / 1000)
          ORDER BY created_at LIMIT 200 FOR UPDATE SKIP LOCKED`,
        [minAgeMs],
      );
      // A failure throws and rolls back: the rows stay for the next round.
      for (const r of rows) await publishEvent(deps.redis, { ...r.payload, eventId: r.event_id });
      if (rows.length)
        await tx.query('DELETE FROM event_relay WHERE event_id = ANY($1::text[])', [rows.map((r) => r.event_id)]);
      return rows.length;
    });
  };

  return {
    async record(tx, event) {
      const recorded: RecordedEvent = { ...event, eventId: event.eventId ?? randomUUID() };
      await tx.query('INSERT INTO event_relay (event_id, payload) VALUES ($1, $2)', [
        recorded.eventId,
        JSON.stringify(recorded),
      ]);
      return recorded;
    },
    async publish(events) {
      const done: string[] = [];
      for (const ev of events) {
        try {
          await publishEvent(deps.redis, ev);
          done.push(ev.eventId);
        } catch (err) {
          deps.logger.warn(
            { err: (err as Error).message, type: ev.type },
            'event left in the relay for later publication',
          );
        }
      }
      if (done.length) {
        published.push(...done);
        scheduleDelete();
      }
    },
    drainOnce,
    start(intervalMs = 1000) {
      if (timer) return;
      timer = setInterval(() => {
        if (running) return;
        running = drainOnce()
          .catch((err: unknown) => deps.logger.debug({ err: (err as Error).message }, 'event relay round failed'))
          .finally(() => {
            running = undefined;
          });
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
      await deleting;
      await flushDeletes();
    },
  };
}
