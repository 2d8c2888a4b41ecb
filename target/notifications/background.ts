import type { AppDeps, BackgroundService } from '../platform/deps.ts';
import { sweepIdempotencyKeys } from '../idempotency/index.ts';
import { EVENTS_STREAM } from '../platform/events.ts';
import { NOTIFICATIONS_GROUP, startNotificationConsumer } from './consumer.ts';
import type { ConsumerOptions } from './consumer.ts';
import { createEventRelay } from '../platform/relay.ts';

/**
 * Everything the feature components run in the background of each worker: the
 * notification consumer, the event relay loop (publishes events whose
 * immediate XADD failed), and an hourly sweep of expired idempotency keys.
 */
export function startFeatureBackground(
  deps: AppDeps,
  opts: { consumer?: ConsumerOptions; relayIntervalMs?: number } = {},
): BackgroundService {
  const consumer = startNotificationConsumer(deps, opts.consumer);
  deps.metrics.addCollectedGauge(
    'notification_events_total',
    "Stream events handled by this worker's notification consumer, by outcome",
    ['outcome'],
    (set) => {
      for (const [outcome, n] of Object.entries(consumer.stats())) set({ outcome }, n);
    },
  );
  deps.metrics.addCollectedGauge(
    'notification_stream_pending',
    'Entries of the events stream delivered to the notifications group but not yet acknowledged',
    [],
    (set) => set({}, consumer.pending()),
  );
  const relay = createEventRelay(deps);
  relay.start(opts.relayIntervalMs ?? 1000);
  const sweep = setInterval(() => {
    sweepIdempotencyKeys({ query: (t, v) => deps.db.query(t, v) }).catch(() => {});
    // The stream keeps ~100k entries, so an event id older than a week can never be redelivered.
    deps.db.query("DELETE FROM processed_events WHERE processed_at < now() - interval '7 days'").catch(() => {});
    forgetDeadConsumers(deps).catch(() => {});
  }, 3600_000);
  sweep.unref();
  return {
    async stop() {
      clearInterval(sweep);
      await Promise.all([consumer.stop(), relay.stop()]);
    },
  };
}

/**
 * Consumers of restarted workers stay in the group by name; once idle for an
 * hour with nothing pending (XAUTOCLAIM has taken their entries) they are removed.
 */
export async function forgetDeadConsumers(deps: Pick<AppDeps, 'redis'>, idleMs = 3600_000): Promise<number> {
  const info = (await deps.redis.run((c) => c.xinfo('CONSUMERS', EVENTS_STREAM, NOTIFICATIONS_GROUP))) as unknown[][];
  let removed = 0;
  for (const flat of info) {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), flat[i + 1]);
    if (Number(fields.get('pending')) === 0 && Number(fields.get('idle')) > idleMs) {
      await deps.redis.run((c) =>
        c.xgroup('DELCONSUMER', EVENTS_STREAM, NOTIFICATIONS_GROUP, String(fields.get('name'))),
      );
      removed++;
    }
  }
  return removed;
}
