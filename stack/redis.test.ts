import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { PortInUseError } from '../common/index.ts';
import { isAlive } from './child.ts';
import { RedisServerMissingError, startRedis } from './redis.ts';

function client(url: string) {
  const c = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: () => null,
  });
  c.on('error', () => undefined);
  return c;
}

describe('startRedis', () => {
  it('starts redis-server on loopback; nothing is left after stop', async () => {
    const server = await startRedis();
    const pid = server.pid;
    const c = client(server.url);
    await c.connect();
    await c.set('k', 'v');
    expect(await c.get('k')).toBe('v');
    c.disconnect();
    await server.stop();
    expect(isAlive(pid)).toBe(false);
  });

  it('comes back on the same port after kill -9 (empty: no persistence)', async () => {
    await using server = await startRedis();
    const oldPid = server.pid;
    await server.kill();
    expect(isAlive(oldPid)).toBe(false);
    await server.restart();
    expect(server.pid).not.toBe(oldPid);
    const c = client(server.url);
    await c.connect();
    expect(await c.ping()).toBe('PONG');
    expect(await c.dbsize()).toBe(0);
    c.disconnect();
  });

  it('stops answering while paused and answers after resume', async () => {
    await using server = await startRedis();
    const c = client(server.url);
    await c.connect();
    await server.pause();
    const pending = Promise.race([c.ping(), new Promise((r) => setTimeout(() => r('timeout'), 500))]);
    expect(await pending).toBe('timeout');
    await server.resume();
    await server.waitReady(5000);
    expect(await c.ping()).toBe('PONG');
    c.disconnect();
  });

  it('says how to install it when redis-server is not on PATH', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'rampart-nopath-'));
    const err = await startRedis({ searchPath: empty }).catch((e: unknown) => e);
    rmSync(empty, { recursive: true, force: true });
    expect(err).toBeInstanceOf(RedisServerMissingError);
    expect((err as RedisServerMissingError).hint).toMatch(/apt-get install redis-server/);
    expect((err as RedisServerMissingError).hint).toMatch(/REDIS_URL/);
  });

  it('refuses a port in use and names it', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const err = await startRedis({ port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortInUseError);
      expect((err as Error).message).toContain(String(port));
    } finally {
      blocker.close();
    }
  });
});
