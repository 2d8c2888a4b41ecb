/**
 * The target's process entry: the cluster primary. Reads config once, checks
 * PostgreSQL and Redis, runs migrations once, forks WORKERS workers sharing
 * PORT, restarts a worker that dies, reports to its parent over IPC
 * (protocol.ts), and on SIGTERM/SIGINT drains the workers and exits 0.
 * Exit 2: bad configuration. Exit 3: PG/Redis unreachable, port in use, or
 * workers crash-looping.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { Redis } from 'ioredis';
import {
  assertPortFree,
  isRampartError,
  isRampartErrorCode,
  nodeEntry,
  type RampartErrorCode,
} from '../common/index.ts';
import { loadTargetConfig, workerEnv } from './config.ts';
import type { TargetConfig } from './config.ts';
import { createLogger } from './platform/logger.ts';
import type { Logger } from './platform/logger.ts';
import { migrate } from './platform/migrate.ts';
import { isWorkerToPrimaryMessage } from './protocol.ts';
import type { PrimaryToWorkerMessage, TargetMessage } from './protocol.ts';

const toParent = (msg: TargetMessage) => {
  if (process.send && process.connected) process.send(msg);
};

class StartupError extends Error {
  constructor(
    message: string,
    readonly code: RampartErrorCode,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

async function checkRedis(config: TargetConfig): Promise<void> {
  const client = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectTimeout: config.redis.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

async function prepare(config: TargetConfig, logger: Logger): Promise<void> {
  await assertPortFree(config.host, config.port).catch((err: unknown) => {
    throw new StartupError(err instanceof Error ? err.message : String(err), 'RAMPART_PORT_IN_USE', 3);
  });
  try {
    const result = await migrate(config.databaseUrl, { connectTimeoutMs: config.pg.connectTimeoutMs });
    logger.info({ applied: result.applied, skipped: result.skipped.length }, 'migrations done');
  } catch (err) {
    const code = isRampartError(err) && isRampartErrorCode(err.code) ? err.code : 'RAMPART_DATABASE_UNREACHABLE';
    throw new StartupError(`PostgreSQL: ${err instanceof Error ? err.message : String(err)}`, code, 3);
  }
  await checkRedis(config).catch((err: unknown) => {
    throw new StartupError(
      `Redis unreachable at ${new URL(config.redisUrl).host}: ${err instanceof Error ? err.message : String(err)}`,
      'RAMPART_REDIS_UNREACHABLE',
      3,
    );
  });
}

function fatal(message: string, code: RampartErrorCode, exitCode: number): never {
  process.stderr.write(`target: ${message}\n`);
  toParent({ type: 'target.fatal', message, code });
  process.exit(exitCode);
}

async function main(): Promise<void> {
  let config: TargetConfig;
  try {
    config = loadTargetConfig(process.env);
  } catch (err) {
    fatal(
      err instanceof Error ? err.message : String(err),
      isRampartError(err) && isRampartErrorCode(err.code) ? err.code : 'RAMPART_CONFIG_INVALID',
      2,
    );
  }
  const logger = createLogger(config.logLevel, { role: 'primary' });
  if (config.jwtSecretGenerated)
    logger.info('JWT_SECRET not set: generated one for this run (tokens die with the cluster)');
  try {
    await prepare(config, logger);
  } catch (err) {
    if (err instanceof StartupError) fatal(err.message, err.code, err.exitCode);
    throw err;
  }

  const worker = nodeEntry('target/worker.ts');
  // Before the first fork (config.ts, CLUSTER_SCHEDULING: what round robin does to a connection when a worker dies).
  cluster.schedulingPolicy = config.clusterScheduling === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: worker.file, execArgv: [...worker.execArgv, ...config.workerNodeArgs] });
  const env = workerEnv(config, process.env);
  const listening = new Map<number, string>();
  const recentCrashes: number[] = [];
  let ready = false;
  let shuttingDown = false;
  let exitCode = 0;

  const fork = (): Worker => {
    const worker = cluster.fork(env);
    worker.on('message', (msg: unknown) => {
      if (!isWorkerToPrimaryMessage(msg)) return;
      if (msg.type === 'worker.listening') {
        listening.set(worker.process.pid ?? 0, msg.url);
        if (!ready && listening.size >= config.workers) {
          ready = true;
          logger.info({ url: msg.url, workers: [...listening.keys()] }, 'target ready');
          toParent({ type: 'target.ready', url: msg.url, workers: [...listening.keys()] });
        }
      } else if (msg.type === 'worker.fatal' && !ready) {
        // A worker cannot start at all (e.g. bad TLS files): restarting would loop.
        toParent({ type: 'target.fatal', message: msg.message, code: msg.code });
        exitCode = msg.exitCode;
        void shutdown('worker failed to start');
      }
    });
    worker.on('online', () => toParent({ type: 'target.worker-online', pid: worker.process.pid ?? 0 }));
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    const pid = worker.process.pid ?? 0;
    listening.delete(pid);
    toParent({ type: 'target.worker-exit', pid, code, signal });
    if (shuttingDown) return;
    logger.warn({ pid, code, signal }, 'worker died; starting a new one');
    const now = Date.now();
    recentCrashes.push(now);
    while (recentCrashes.length && (recentCrashes[0] as number) < now - 10_000) recentCrashes.shift();
    if (recentCrashes.length > Math.max(5, config.workers * 3)) {
      toParent({
        type: 'target.fatal',
        message: 'workers are crash-looping (more than 5 deaths in 10 s)',
        code: 'TARGET_CRASH_LOOP',
      });
      exitCode = 3;
      void shutdown('crash loop');
      return;
    }
    fork();
  });

  const shutdown = async (why: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ why }, 'draining workers');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    const exited = Promise.all(
      workers.map((w) =>
        w.isDead() ? Promise.resolve() : new Promise<void>((resolve) => w.once('exit', () => resolve())),
      ),
    );
    const msg: PrimaryToWorkerMessage = { type: 'worker.shutdown' };
    for (const w of workers) {
      if (w.isDead()) continue;
      // A worker still starting may not listen for messages yet (a message would be lost): signal it.
      if (listening.has(w.process.pid ?? -1) && w.isConnected()) w.send(msg);
      else w.process.kill('SIGTERM');
    }
    const timer = setTimeout(() => {
      logger.warn('workers did not drain in time: killing them');
      for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
    }, config.shutdownTimeoutMs + 5_000);
    await exited;
    clearTimeout(timer);
    logger.info('stopped');
    process.exit(exitCode);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Our parent went away: do not leave an orphan cluster behind.
  process.on('disconnect', () => void shutdown('parent disconnected'));

  for (let i = 0; i < config.workers; i++) fork();
}

main().catch((err: unknown) => fatal(err instanceof Error ? err.message : String(err), 'TARGET_FAILED', 3));
