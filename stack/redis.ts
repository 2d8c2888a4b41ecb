import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { EnvironmentError, assertPortFree, getFreePort, type WaitStrategy } from '../common/index.ts';
import { ServerProcess, startedServer } from './server-process.ts';
import type { StartedServer } from './types.ts';

export interface RedisOptions {
  port?: number;
  log?: (line: string) => void;
  /** Where to look for redis-server (default: the PATH of this process). */
  searchPath?: string;
}

export type StartedRedis = StartedServer;

export class RedisServerMissingError extends EnvironmentError<'RAMPART_REDIS_SERVER_MISSING'> {
  constructor() {
    super('RAMPART_REDIS_SERVER_MISSING', 'redis-server was not found on PATH', {
      hint: 'install it (`apt-get install redis-server`, `brew install redis`) or set REDIS_URL to an existing Redis',
    });
  }
}

export function findRedisServer(searchPath: string | undefined = process.env.PATH): string {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'redis-server');
    if (existsSync(candidate)) return candidate;
  }
  throw new RedisServerMissingError();
}

/** Ready when the server answers PING with +PONG (no client library needed for one command). */
function forRedisPing(port: number): WaitStrategy {
  return {
    description: `Redis at 127.0.0.1:${port}`,
    check: () =>
      new Promise<boolean>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port });
        const timer = setTimeout(() => socket.destroy(new Error('PING timed out')), 2000);
        let reply = '';
        socket.setEncoding('utf8');
        socket.on('connect', () => socket.write('PING\r\n'));
        socket.on('data', (d: string) => {
          reply += d;
          if (reply.includes('\r\n')) {
            clearTimeout(timer);
            socket.destroy();
            if (reply.startsWith('+PONG')) resolve(true);
            else reject(new Error(`answered ${reply.trim()}`));
          }
        });
        socket.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      }),
  };
}

/** Starts redis-server from PATH on a loopback port, without persistence. */
export async function startRedis(opts: RedisOptions = {}): Promise<StartedRedis> {
  const binary = findRedisServer(opts.searchPath);
  if (opts.port !== undefined) await assertPortFree('127.0.0.1', opts.port);
  for (let attempt = 1; ; attempt += 1) {
    const port = opts.port ?? (await getFreePort());
    const server = new ServerProcess({
      component: 'redis',
      command: binary,
      args: [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--protected-mode',
        'yes',
        '--loglevel',
        'warning',
        '--dir',
        '/tmp',
      ],
      spawn: { deathSignal: 'SIGTERM' },
      stopSignal: 'SIGTERM',
      ready: forRedisPing(port),
      readyTimeoutMs: 15_000,
      log: opts.log,
    });
    try {
      await server.start();
    } catch (err) {
      if (opts.port !== undefined || !/Address already in use/i.test(server.tail) || attempt >= 3) throw err;
      continue;
    }
    return startedServer(server, `redis://127.0.0.1:${port}`, port);
  }
}
