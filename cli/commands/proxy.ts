import type { Command } from 'commander';
import { intFlag } from '../flags.ts';
import type { CliContext } from '../context.ts';

/** `rampart proxy`: the Toxiproxy-compatible fault proxy in the foreground until Ctrl-C. */
/**
 * Loaded when the proxy runs, not for every start of the CLI. A module-level function: TypeScript does not
 * rewrite the `.ts` of an import() inside a function that also holds an `await using` (the compiled CLI broke).
 */
const loadProxy = () => import('../../proxy/index.ts');

export function registerProxy(program: Command, ctx: CliContext): void {
  program
    .command('proxy')
    .description("Run the TCP fault proxy that speaks Toxiproxy's HTTP API (any Toxiproxy client works against it)")
    .option('--host <host>', 'address the HTTP API listens on', '127.0.0.1')
    .option('--port <port>', 'HTTP API port (0 picks a free one)', '8474')
    .option('--config <file>', "proxies to create at start: a JSON array like Toxiproxy's -config file")
    .option('--seed <n>', 'seed of the random source (toxicity rolls, jitter, slicing) for reproducible runs')
    .option(
      '--strict',
      'answer 400 to what Toxiproxy accepts but is likely a mistake (negative delays, toxicity outside 0-1, a slicer that cannot slice, "UPSTREAM"); by default it is accepted with a warning',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ rampart proxy --port 8474 --config proxies.json
  $ curl -s -XPOST localhost:8474/proxies/postgres/toxics -d '{"type":"latency","attributes":{"latency":500}}'
  $ curl -s -XPATCH localhost:8474/proxies/postgres -d '{"enabled":false}'   # down
`,
    )
    .action(async (opts: { host: string; port: string; config?: string; seed?: string; strict?: boolean }) => {
      const port = intFlag('--port', opts.port, 0, 65535, 8474)!;
      const seed = intFlag('--seed', opts.seed, 0, 2 ** 32 - 1);
      // Loaded when the proxy runs, not for every start of the CLI.
      const { loadProxyConfig, startProxyServer } = await loadProxy();
      const proxies = opts.config ? await loadProxyConfig(opts.config) : undefined;
      const strict = opts.strict ?? false;
      const warn = (message: string) => ctx.stderr.write(`rampart proxy: warning: ${message}\n`);
      await using server = await startProxyServer({ host: opts.host, port, seed, proxies, strict, warn });
      ctx.stdout.write(
        `rampart proxy: Toxiproxy API on ${server.url} (seed ${server.seed}${strict ? ', strict' : ''}); Ctrl-C to stop\n`,
      );
      for (const p of server.collection.all()) ctx.stdout.write(`  ${p.name}: ${p.listen} -> ${p.upstream}\n`);
      if (!ctx.signal.aborted) {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      }
      ctx.stdout.write('rampart proxy: stopped\n');
    });
}
