import path from 'node:path';
import { Option, type Command } from 'commander';
import { EnvironmentError } from '../../common/index.ts';
import type { ExitInfo } from '../../stack/index.ts';
import { intFlag, scaleOutFlags } from '../flags.ts';
import type { CliContext } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';

interface UpFlags {
  workers: string;
  provider: 'managed' | 'docker';
  port?: string;
  tls?: boolean;
  proxy: boolean;
  seedUsers?: string;
  seedPosts?: string;
  stateDir: string;
  verbose?: boolean;
  lb?: string;
  instances?: string;
}

// The stack's door (PostgreSQL, Redis, TLS, the target) loads when a stack command runs, not at every start of the CLI.
const stackDoor = () => import('../../stack/index.ts');

async function up(ctx: CliContext, flags: UpFlags): Promise<void> {
  const { startStack } = await stackDoor();
  const workers = intFlag('--workers', flags.workers, 1, 64)!;
  const scaleOut = await scaleOutFlags(flags);
  const targetPort = intFlag('--port', flags.port, 1, 65535);
  const users = intFlag('--seed-users', flags.seedUsers, 0, 10_000_000) ?? 0;
  const posts = intFlag('--seed-posts', flags.seedPosts, 0, 100_000_000) ?? 0;
  const started = performance.now();
  await using stack = await startStack({
    env: ctx.env,
    workers,
    provider: flags.provider,
    targetPort,
    tls: flags.tls ?? false,
    proxy: flags.proxy,
    ...scaleOut,
    seed: users || posts ? { users, posts } : undefined,
    stateDir: flags.stateDir,
    signal: ctx.signal,
    // Children's output goes to a file beside stack.json, or to the terminal with --verbose; crashes are always reported.
    componentLogFile: flags.verbose ? undefined : path.join(flags.stateDir, 'components.log'),
    log: (line) => ctx.stderr.write(`${line}\n`),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const out = ctx.stdout;
  const perInstance = `${workers} worker${workers === 1 ? '' : 's'}`;
  const shape = stack.lb
    ? `${stack.instanceUrls.length} instances x ${perInstance} behind ${stack.lb.kind}`
    : perInstance;
  out.write(`rampart stack ready in ${seconds} s (${flags.provider}, ${shape})\n`);
  out.write(`  target    ${stack.targetUrl}${stack.lb ? ` (${stack.lb.kind}, config ${stack.lb.configFile})` : ''}\n`);
  if (stack.lb) out.write(`  instances ${stack.instanceUrls.join(', ')}\n`);
  out.write(`  postgres  ${stack.postgresUrl}\n`);
  out.write(`  redis     ${stack.redisUrl}\n`);
  out.write(
    `  proxy     ${stack.proxyUrl ? `${stack.proxyUrl} (proxies: postgres, redis)` : 'none (the target connects directly)'}\n`,
  );
  if (stack.stateFile) out.write(`  state     ${stack.stateFile}\n`);
  if (stack.componentLogFile) out.write(`  logs      ${stack.componentLogFile} (--verbose prints them here)\n`);
  out.write('Ctrl-C (or `rampart stack down`) stops everything.\n');

  // Stay up until Ctrl-C/SIGTERM, or until the target's primary itself dies (behind a balancer: the balancer, or every instance).
  const targetDied = await new Promise<ExitInfo | undefined>((resolve) => {
    if (ctx.signal.aborted) return resolve(undefined);
    ctx.signal.addEventListener('abort', () => resolve(undefined), { once: true });
    stack.onCrash((info) => {
      if (info.component === 'target' || info.component === 'lb') resolve(info);
    });
  });
  await stack.stop();
  if (targetDied) {
    const what =
      targetDied.component === 'lb'
        ? `the load balancer (${stack.lb?.kind ?? 'lb'}, pid ${targetDied.pid})`
        : `the target cluster (pid ${targetDied.pid})`;
    throw new EnvironmentError(
      'RAMPART_TARGET_CRASHED',
      `${what} exited unexpectedly (code ${targetDied.code}, signal ${targetDied.signal}); the stack was stopped`,
      {
        hint: stack.componentLogFile ? `its output is in ${stack.componentLogFile}` : 'its output is above',
      },
    );
  }
  ctx.stderr.write('rampart stack stopped; nothing left running\n');
}

async function down(ctx: CliContext, stateDir: string): Promise<void> {
  const { stopRecordedStack } = await stackDoor();
  const state = await stopRecordedStack(stateDir);
  ctx.stdout.write(`rampart stack down: stopped the stack at ${state.target}\n`);
}

async function status(ctx: CliContext, stateDir: string): Promise<void> {
  const { recordedStackStatus } = await stackDoor();
  const { state, components, ready, healthy } = await recordedStackStatus(stateDir);
  for (const c of components)
    ctx.stdout.write(`  ${c.name.padEnd(9)} ${c.pids.map((p) => `${p.pid}${p.alive ? '' : ' (dead)'}`).join(', ')}\n`);
  for (const [instance, n] of Object.entries(state.supervision?.restarts ?? {}))
    ctx.stdout.write(`  instance ${instance} restarted ${n}× after a crash\n`);
  for (const instance of state.supervision?.givenUp ?? [])
    ctx.stdout.write(`  instance ${instance} left down after a crash loop\n`);
  ctx.stdout.write(
    `rampart stack ${healthy ? 'up' : 'degraded'}: ${state.target} (/readyz ${ready}) since ${state.startedAt ?? '?'}\n`,
  );
  if (!healthy) ctx.exitCode = ExitCode.environment;
}

/** `rampart stack up|down|status`. */
export function registerStack(program: Command, ctx: CliContext): void {
  const stack = program
    .command('stack')
    .description('Run the system under test: PostgreSQL, Redis, the fault proxy and the target cluster')
    .addHelpText(
      'after',
      '\nExamples:\n  $ rampart stack up --workers 4\n  $ rampart stack status\n  $ rampart stack down\n',
    );
  stack
    .command('up')
    .description('Start the stack in the foreground on free loopback ports; Ctrl-C stops everything')
    .option('--workers <n>', 'target cluster workers', '2')
    .addOption(
      new Option('--provider <name>', 'where PostgreSQL/Redis/proxy run')
        .choices(['managed', 'docker'])
        .default('managed'),
    )
    .option('--port <n>', 'target port (default: a free one)')
    .option('--tls', 'serve the target over HTTPS with a self-signed certificate for 127.0.0.1/localhost')
    .option('--no-proxy', 'connect the target directly to PostgreSQL and Redis (no fault proxy)')
    .option('--seed-users <n>', 'users to create after start (password123!)')
    .option('--seed-posts <n>', 'posts to create after start')
    .option('--state-dir <dir>', 'where stack.json is written', '.rampart')
    .option('--verbose', 'print the output of every process here instead of <state-dir>/components.log')
    .option(
      '--lb <name>',
      'scale out: run the target instances behind this load balancer on the target port (nginx: apt-get install nginx-light, or haproxy)',
    )
    .option(
      '--instances <n>',
      'with --lb: target instances, each its own cluster of --workers workers on its own port (default 2)',
    )
    .addHelpText(
      'after',
      `
Uses DATABASE_URL / REDIS_URL when set instead of starting PostgreSQL / redis-server.
Examples:
  $ rampart stack up --workers 4
  $ rampart stack up --port 3000 --tls --seed-users 100 --seed-posts 1000
  $ rampart stack up --lb nginx --instances 3 --workers 2 --port 8080
  $ DATABASE_URL=postgres://u:p@127.0.0.1:5432/app rampart stack up --no-proxy
`,
    )
    .action((flags: UpFlags) => up(ctx, flags));
  stack
    .command('down')
    .description('Stop the stack recorded in .rampart/stack.json (started by `rampart stack up` elsewhere)')
    .option('--state-dir <dir>', 'where stack.json is', '.rampart')
    .addHelpText('after', '\nExample:\n  $ rampart stack down\n')
    .action((flags: { stateDir: string }) => down(ctx, flags.stateDir));
  stack
    .command('status')
    .description(
      'Show the recorded stack, whether its processes are alive and whether the target is ready (exit 3 if not)',
    )
    .option('--state-dir <dir>', 'where stack.json is', '.rampart')
    .addHelpText('after', '\nExample:\n  $ rampart stack status\n')
    .action((flags: { stateDir: string }) => status(ctx, flags.stateDir));
}
