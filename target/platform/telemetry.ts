import { register } from 'node:module';
import type { TargetConfig } from '../config.ts';

/**
 * OpenTelemetry traces of HTTP, Express, pg and ioredis with the official
 * instrumentations, exported over OTLP/HTTP. Loaded only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (so it costs nothing otherwise), and
 * before the application's modules: the ESM loader hook
 * (import-in-the-middle, via @opentelemetry/instrumentation/hook.mjs) must be
 * in place when express, pg and ioredis are first imported.
 * Versions are the 0.223 line: the last whose engines accept Node 20.
 */
export interface Telemetry {
  stop(): Promise<void>;
}

export async function startTelemetry(config: TargetConfig): Promise<Telemetry> {
  if (!config.otel) return { stop: async () => {} };
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const [
    { NodeSDK },
    { OTLPTraceExporter },
    { HttpInstrumentation },
    { ExpressInstrumentation },
    { PgInstrumentation },
    { IORedisInstrumentation },
  ] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-express'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-ioredis'),
  ]);
  const endpoint = config.otel.endpoint.replace(/\/+$/, '');
  const sdk = new NodeSDK({
    serviceName: config.otel.serviceName,
    traceExporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => req.url === '/livez' || req.url === '/readyz' || req.url === '/metrics',
      }),
      new ExpressInstrumentation(),
      // Statement text is parameterised ($1…), so no values (PII) reach the spans.
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      new IORedisInstrumentation(),
    ],
  });
  sdk.start();
  return { stop: () => sdk.shutdown().catch(() => {}) };
}
