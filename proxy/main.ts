/**
 * Process entry of the fault proxy: `node --import tsx proxy/main.ts
 * [--host H] [--port P] [--seed N] [--config proxies.json] [--strict]`. Started by
 * startProxyProcess() (and so by the stack) so the proxy never shares an
 * event loop with the load generator or the target. Reports readiness or a
 * fatal error over the IPC channel when there is one; exits when its parent goes.
 */
import { parseArgs } from 'node:util';
import { isRampartError, isRampartErrorCode } from '../common/index.ts';
import { loadProxyConfig } from './config-file.ts';
import type { ProxyProcessMessage } from './protocol.ts';
import { startProxyServer } from './server.ts';

const send = (msg: ProxyProcessMessage) => {
  if (process.send) process.send(msg);
};

async function run(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      seed: { type: 'string' },
      config: { type: 'string' },
      strict: { type: 'boolean' },
    },
  });
  const proxies = values.config ? await loadProxyConfig(values.config) : undefined;
  const server = await startProxyServer({
    host: values.host ?? '127.0.0.1',
    port: values.port === undefined ? 8474 : Number(values.port),
    seed: values.seed === undefined ? undefined : Number(values.seed),
    proxies,
    strict: values.strict ?? false,
    // Warnings go to stderr, which the stack logs as [proxy] lines.
    warn: (message) => process.stderr.write(`warning: ${message}\n`),
  });
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    server.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.on('disconnect', shutdown);
  send({ type: 'proxy.ready', url: server.url, pid: process.pid, seed: server.seed });
  if (!process.send) process.stdout.write(`fault proxy listening on ${server.url} (seed ${server.seed})\n`);
}

run().catch((err: unknown) => {
  const code = isRampartError(err) && isRampartErrorCode(err.code) ? err.code : 'RAMPART_INTERNAL';
  const exitCode = isRampartError(err) && err.category === 'input' ? 2 : 3;
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`fault proxy: ${message}\n`);
  send({ type: 'proxy.fatal', message, code, exitCode });
  process.exitCode = exitCode;
  process.disconnect?.();
});
