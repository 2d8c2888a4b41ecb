import type { AppDeps, BackgroundService } from '../platform/deps.ts';
import { sweepIdempotencyKeys } from '../idempotency/index.ts';
import { startNotificationConsumer } from './consumer.ts';
import type { ConsumerOptions } from './consumer.ts';
import { createEventRelay } from './relay.ts';

/**
 * Everything the feature components run in the background of each worker: the
 * notification consumer, the event relay loop (publishes events whose
 * immediate XADD failed), and an hourly sweep of expired idempotency keys.
 */
export function startFeatureBackground(deps: AppDeps, opts: { consumer?: ConsumerOptions; relayIntervalMs?: number } = {}): BackgroundService {
  const consumer = startNotificationConsumer(deps, opts.consumer);
  deps.metrics.addCollectedGauge('notification_events_total', 'Stream events handled by this worker\'s notification consumer, by outcome', ['outcome'], (set) => {
    for (const [outcome, n] of Object.entries(consumer.stats())) set({ outcome }, n);
  });
  deps.metrics.addCollectedGauge('notification_stream_pending', 'Entries of the events stream delivered to the notifications group but not yet acknowledged', [], (set) =>
    set({}, consumer.pending()),
  );
  const relay = createEventRelay(deps);
  relay.start(opts.relayIntervalMs ?? 1000);
  const sweep = setInterval(() => {
    sweepIdempotencyKeys({ query: (t, v) => deps.db.query(t, v) }).catch(() => {});
  }, 3600_000);
  sweep.unref();
  return {
    async stop() {
      clearInterval(sweep);
      await Promise.all([consumer.stop(), relay.stop()]);
    },
  };
}
