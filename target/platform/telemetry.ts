import type { TargetConfig } from '../config.ts';

/** OpenTelemetry tracing (filled in with the SDK and instrumentations). */
export async function startTelemetry(_config: TargetConfig): Promise<{ stop(): Promise<void> }> {
  return { stop: async () => {} };
}
