import { Counter, Gauge, Registry } from 'prom-client';
import type { ProxyCollection } from './proxy-collection.ts';

/**
 * Prometheus metrics with Toxiproxy's names and labels, but live: the byte
 * counters move while a connection is open (Toxiproxy only adds a
 * connection's bytes when it closes). Read from the proxies at scrape time.
 */
export function createMetrics(collection: ProxyCollection): Registry {
  const registry = new Registry();
  const labelNames = ['direction', 'proxy', 'listener', 'upstream'] as const;
  const each = (
    fn: (labels: Record<(typeof labelNames)[number], string>, counters: { received: number; sent: number }) => void,
  ) => {
    for (const proxy of collection.all()) {
      for (const direction of ['upstream', 'downstream'] as const) {
        fn(
          { direction, proxy: proxy.name, listener: proxy.listen, upstream: proxy.upstream },
          proxy.counters[direction],
        );
      }
    }
  };
  new Counter({
    name: 'toxiproxy_proxy_received_bytes_total',
    help: 'Bytes read from the source of each direction',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      each((labels, c) => this.inc(labels, c.received));
    },
  });
  new Counter({
    name: 'toxiproxy_proxy_sent_bytes_total',
    help: 'Bytes written to the destination of each direction',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      each((labels, c) => this.inc(labels, c.sent));
    },
  });
  new Gauge({
    name: 'toxiproxy_proxy_connections_active',
    help: 'Open client connections per proxy',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of collection.all()) this.set({ proxy: p.name }, p.activeConnections);
    },
  });
  new Counter({
    name: 'toxiproxy_proxy_connections_total',
    help: 'Client connections accepted and joined to the upstream, per proxy',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of collection.all()) this.inc({ proxy: p.name }, p.connectionsTotal);
    },
  });
  return registry;
}
