import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AppDeps, BackgroundService } from '../platform/deps.ts';
import { isPgUnavailable } from '../platform/db.ts';
import { EVENTS_STREAM } from '../platform/events.ts';
import { isRedisUnavailable } from '../platform/redis.ts';
import { invalidate } from '../platform/page-cache.ts';
import { applyEvent, parseEntry } from './handlers.ts';
import type { HandleOutcome, StreamEvent } from './handlers.ts';

/**
 * The notification workers: one consumer per target worker process in the
 * consumer group `notifications` on the stream `events`. Each entry is applied
 * in one atomic PostgreSQL statement, then XACKed — at-least-once, deduplicated by
 * event id. An entry that fails because PostgreSQL is down stays pending; every
 * `claimEveryMs` each consumer runs XAUTOCLAIM for entries idle longer than
 * `claimIdleMs`, which is how a crashed worker's pending entries (and its own
 * failed ones) get processed by a live consumer.
 */
export const NOTIFICATIONS_GROUP = 'notifications';

export interface ConsumerOptions {
  group?: string;
  consumer?: string;
  batch?: number;
  blockMs?: number;
  claimIdleMs?: number;
  claimEveryMs?: number;
}

export interface NotificationConsumer extends BackgroundService {
  readonly name: string;
  /** Events applied / skipped as duplicates so far (tests, metrics). */
  stats(): Record<HandleOutcome | 'failed' | 'claimed', number>;
  /** One XAUTOCLAIM pass now; returns how many entries were claimed. */
  claimOnce(): Promise<number>;
  /** The group's pending (delivered, unacknowledged) entries at the last claim round. */
  pending(): number;
}

type Entry = [id: string, fields: string[]];

export async function ensureGroup(client: Redis, group = NOTIFICATIONS_GROUP): Promise<void> {
  try {
    await client.xgroup('CREATE', EVENTS_STREAM, group, '0', 'MKSTREAM');
  } catch (err) {
    if (!/BUSYGROUP/.test((err as Error).message)) throw err;
  }
}

export function startNotificationConsumer(deps: AppDeps, opts: ConsumerOptions = {}): NotificationConsumer {
  const group = opts.group ?? NOTIFICATIONS_GROUP;
  const name = opts.consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const batch = opts.batch ?? 50;
  const blockMs = opts.blockMs ?? 1000;
  const claimIdleMs = opts.claimIdleMs ?? 30_000;
  const claimEveryMs = opts.claimEveryMs ?? 5_000;
  const log = deps.logger.child({ component: 'notification-consumer', consumer: name });
  const counts = { applied: 0, duplicate: 0, ignored: 0, failed: 0, claimed: 0 };
  const conn = deps.redis.duplicateForBlocking(`notifications-${name}`);
  let stopped = false;
  let groupReady = false;
  let lastClaim = 0;
  let pendingCount = 0;

  const handle = async (entries: Entry[]): Promise<void> => {
    const ack: string[] = [];
    for (const [id, flat] of entries) {
      const ev: StreamEvent | null = flat ? parseEntry(id, flat) : null;
      if (!ev) {
        ack.push(id); // malformed or trimmed away: nothing to do
        continue;
      }
      try {
        const outcome = await applyEvent(deps.db, ev); // one atomic statement per event
        counts[outcome]++;
        ack.push(id);
        if (outcome === 'applied' && ev.type === 'follow.created' && ev.actorId)
          await invalidate(deps.redis, `feed:${ev.actorId}`);
      } catch (err) {
        counts.failed++;
        if (isPgUnavailable(err)) {
          log.warn({ err: (err as Error).message, eventId: ev.eventId }, 'event left pending: PostgreSQL unavailable');
        } else {
          log.error(
            { err: (err as Error).message, eventId: ev.eventId, type: ev.type },
            'event could not be applied; dropped',
          );
          ack.push(id);
        }
      }
    }
    if (ack.length) await conn.xack(EVENTS_STREAM, group, ...ack);
  };

  const claimOnce = async (): Promise<number> => {
    let cursor = '0-0';
    let total = 0;
    for (let round = 0; round < 10; round++) {
      const res = (await conn.xautoclaim(EVENTS_STREAM, group, name, claimIdleMs, cursor, 'COUNT', batch)) as [
        string,
        Entry[],
        string[]?,
      ];
      const [next, entries] = res;
      const live = entries.filter((e) => e && e[1]);
      if (live.length) {
        total += live.length;
        counts.claimed += live.length;
        await handle(live);
      }
      // Entries deleted from the stream (MAXLEN trim) come back as null: ack them away.
      const gone = entries
        .filter((e) => !e || !e[1])
        .map((e) => e?.[0])
        .filter((x): x is string => !!x);
      if (gone.length) await conn.xack(EVENTS_STREAM, group, ...gone);
      if (next === '0-0') break;
      cursor = next;
    }
    return total;
  };

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

  const loop = async () => {
    conn.connect().catch(() => {});
    while (!stopped) {
      try {
        if (conn.status !== 'ready') {
          await sleep(250);
          continue;
        }
        if (!groupReady) {
          await ensureGroup(conn, group);
          groupReady = true;
        }
        if (Date.now() - lastClaim >= claimEveryMs) {
          lastClaim = Date.now();
          await claimOnce();
          const summary = (await conn.xpending(EVENTS_STREAM, group)) as [number | string, ...unknown[]];
          pendingCount = Number(summary[0]) || 0;
        }
        const res = (await conn.xreadgroup(
          'GROUP',
          group,
          name,
          'COUNT',
          batch,
          'BLOCK',
          blockMs,
          'STREAMS',
          EVENTS_STREAM,
          '>',
        )) as [string, Entry[]][] | null;
        if (res) for (const [, entries] of res) await handle(entries);
      } catch (err) {
        if (stopped) break;
        if (/NOGROUP/.test((err as Error).message)) groupReady = false;
        else if (!isRedisUnavailable(err)) log.error({ err: (err as Error).message }, 'notification consumer error');
        await sleep(500);
      }
    }
  };

  const running = loop();
  log.debug('notification consumer started');
  return {
    name,
    stats: () => ({ ...counts }),
    claimOnce,
    pending: () => pendingCount,
    async stop() {
      stopped = true;
      // Let a blocked XREADGROUP return (at most blockMs), then close the connection.
      await Promise.race([running, sleep(blockMs + 500)]);
      conn.disconnect();
    },
  };
}
