import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startProxyProcess } from './process.ts';
import { startEchoServer } from './testing.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('startProxyProcess', () => {
  it('runs the proxy as its own process, loads a config file, and leaves nothing behind on stop', async () => {
    await using echo = await startEchoServer();
    const dir = await mkdtemp(path.join(tmpdir(), 'rampart-proxy-'));
    const config = path.join(dir, 'proxies.json');
    await writeFile(config, JSON.stringify([{ name: 'postgres', listen: '127.0.0.1:0', upstream: echo.address }]));
    const proxy = await startProxyProcess({ seed: 5, config });
    try {
      expect(proxy.pid).not.toBe(process.pid);
      expect(proxy.seed).toBe(5);
      const proxies = (await (await fetch(`${proxy.url}/proxies`)).json()) as Record<string, { upstream: string }>;
      expect(proxies.postgres?.upstream).toBe(echo.address);
    } finally {
      await proxy.stop();
      await rm(dir, { recursive: true, force: true });
    }
    expect(alive(proxy.pid)).toBe(false);
  });

  it('passes --strict on: input Toxiproxy accepts but rampart finds suspect is refused, and is otherwise a warning on stderr', async () => {
    await using echo = await startEchoServer();
    const lines: string[] = [];
    const body = JSON.stringify({ type: 'latency', attributes: { latency: -5 } });
    const create = JSON.stringify({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address });
    for (const strict of [true, false]) {
      await using proxy = await startProxyProcess({ strict, log: (line) => lines.push(line) });
      await fetch(`${proxy.url}/proxies`, { method: 'POST', body: create });
      const res = await fetch(`${proxy.url}/proxies/p/toxics`, { method: 'POST', body });
      expect(res.status).toBe(strict ? 400 : 200);
      if (strict) expect(await res.text()).toMatch(/attributes\.latency: must be >= 0/);
    }
    await expect
      .poll(() => lines.join('\n'))
      .toMatch(/\[proxy\] warning: POST \/proxies\/p\/toxics: attributes\.latency: must be >= 0/);
  });

  it('reports its exit, e.g. a kill -9 nobody asked for', async () => {
    const proxy = await startProxyProcess();
    const exited = new Promise<{ signal: string | null }>((resolve) => proxy.onExit(resolve));
    process.kill(proxy.pid, 'SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    await proxy.stop();
  });

  it('reports a port in use and a bad config as typed errors', async () => {
    await using first = await startProxyProcess();
    const port = Number(new URL(first.url).port);
    await expect(startProxyProcess({ port })).rejects.toMatchObject({ code: 'RAMPART_PORT_IN_USE' });
    const dir = await mkdtemp(path.join(tmpdir(), 'rampart-proxy-'));
    const config = path.join(dir, 'proxies.json');
    await writeFile(config, JSON.stringify([{ name: 'x', listen: '127.0.0.1:0' }]));
    await expect(startProxyProcess({ config })).rejects.toMatchObject({
      code: 'RAMPART_CONFIG_INVALID',
      message: expect.stringMatching(/\[0\]\.upstream/),
    });
    await rm(dir, { recursive: true, force: true });
  });
});
