import { existsSync } from 'node:fs';
import net from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PortInUseError } from '../common/index.ts';
import { treeMembers, isAlive } from './child.ts';
import { startPostgres } from './postgres.ts';

async function query(url: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000, query_timeout: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('startPostgres', () => {
  it('starts a real server on loopback that answers SQL, and leaves no process or data after stop', async () => {
    const server = await startPostgres();
    const pid = server.pid;
    expect(server.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
    const { rows } = await query(server.url, 'SELECT current_setting($1) AS v', ['server_version_num']);
    expect(Number(rows[0].v)).toBeGreaterThanOrEqual(150000);
    // PostgreSQL runs as a tree (checkpointer, walwriter, backends...), all of which stop.
    expect(treeMembers(pid).length).toBeGreaterThan(1);
    await server.stop();
    expect(isAlive(pid)).toBe(false);
    expect(treeMembers(pid)).toEqual([]);
    await server.stop(); // idempotent
  });

  it('runs as the postgres user when started by root', async (ctx) => {
    if (process.getuid?.() !== 0) ctx.skip();
    await using server = await startPostgres();
    const { rows } = await query(server.url, 'SELECT current_user AS u');
    expect(rows[0].u).toBe('postgres');
    // The OS user of the postmaster is not root.
    const { uid } = await import('node:fs').then((fs) => fs.statSync(`/proc/${server.pid}`));
    expect(uid).not.toBe(0);
  });

  it('keeps its data across kill -9 and restart on the same port', async () => {
    await using server = await startPostgres();
    await query(server.url, 'CREATE TABLE t (v int)');
    await query(server.url, 'INSERT INTO t VALUES (42)');
    const oldPid = server.pid;
    await server.kill();
    expect(isAlive(oldPid)).toBe(false);
    expect(treeMembers(oldPid)).toEqual([]);
    await expect(query(server.url, 'SELECT 1')).rejects.toThrow();
    await server.restart();
    expect(server.pid).not.toBe(oldPid);
    const { rows } = await query(server.url, 'SELECT v FROM t');
    expect(rows).toEqual([{ v: 42 }]);
  });

  it('freezes on pause (open connections too) and answers again on resume', async () => {
    await using server = await startPostgres();
    const open = new pg.Client({ connectionString: server.url, query_timeout: 800 });
    open.on('error', () => undefined);
    await open.connect();
    await server.pause();
    await expect(open.query('SELECT 1')).rejects.toThrow(/timeout/i);
    const client = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 800 });
    client.on('error', () => undefined);
    await expect(client.connect()).rejects.toThrow();
    await server.resume();
    await server.waitReady(10_000);
    const { rows } = await query(server.url, 'SELECT 1 AS one');
    expect(rows[0].one).toBe(1);
    await open.end().catch(() => undefined);
  });

  it('reports a crash it did not ask for', async () => {
    await using server = await startPostgres();
    const exits: Array<{ component: string; signal: string | null }> = [];
    server.onExit((info) => exits.push(info));
    process.kill(server.pid, 'SIGKILL');
    await expect.poll(() => exits.length, { timeout: 5000 }).toBe(1);
    expect(exits[0]).toMatchObject({ component: 'postgres', signal: 'SIGKILL' });
  });

  it('refuses a port in use and names it', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const err = await startPostgres({ port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortInUseError);
      expect((err as Error).message).toContain(String(port));
    } finally {
      blocker.close();
    }
  });

  it('removes the data directory on stop', async () => {
    const server = await startPostgres();
    const { rows } = await query(server.url, "SELECT current_setting('data_directory') AS d");
    const dir = rows[0].d as string;
    expect(existsSync(dir)).toBe(true);
    await server.stop();
    expect(existsSync(dir)).toBe(false);
  });
});
