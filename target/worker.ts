/**
 * A cluster worker (forked by target/cluster.ts): one HTTP server sharing the
 * primary's port. Telemetry, when configured, is started before the app's
 * modules load so the instrumentations can patch them.
 */
import { isRampartError, isRampartErrorCode } from '../common/index.ts';
import { loadTargetConfig } from './config.ts';
import { isPrimaryToWorkerMessage } from './protocol.ts';
import type { WorkerToPrimaryMessage } from './protocol.ts';

const send = (msg: WorkerToPrimaryMessage) => {
  if (process.send && process.connected) process.send(msg);
};

async function main(): Promise<void> {
  // Listen for shutdown from the first instant: a worker asked to stop while it
  // is still starting must stop as soon as it can, not be killed after a timeout.
  let stopRequested: string | undefined;
  const control: { stopNow?: (why: string) => void } = {};
  const requestStop = (why: string) => {
    if (control.stopNow) control.stopNow(why);
    else stopRequested ??= why;
  };
  process.on('message', (msg) => {
    if (isPrimaryToWorkerMessage(msg)) requestStop('primary asked');
  });
  process.on('SIGTERM', () => requestStop('SIGTERM'));
  process.on('SIGINT', () => requestStop('SIGINT'));
  // The primary is gone (killed): never linger as an orphan.
  process.on('disconnect', () => requestStop('primary disconnected'));

  const config = loadTargetConfig(process.env);
  const telemetry = config.otel ? await (await import('./platform/telemetry.ts')).startTelemetry(config) : undefined;
  const { serve } = await import('./server.ts');
  const running = await serve(config);
  send({ type: 'worker.listening', url: running.url });

  let stopping = false;
  control.stopNow = (why: string) => {
    if (stopping) return;
    stopping = true;
    running.runtime.deps.logger.info({ why }, 'worker draining');
    void (async () => {
      await running.stop();
      await telemetry?.stop();
      process.exit(0);
    })();
  };
  if (stopRequested) control.stopNow(stopRequested);
}

main().catch((err: unknown) => {
  const exitCode = isRampartError(err) ? (err.category === 'input' ? 2 : 3) : 3;
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`target worker failed: ${message}\n`);
  send({
    type: 'worker.fatal',
    message,
    code: isRampartError(err) && isRampartErrorCode(err.code) ? err.code : 'TARGET_WORKER_FAILED',
    exitCode,
  });
  process.exitCode = exitCode;
  setTimeout(() => process.exit(exitCode), 100).unref();
});
