import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../../common/index.ts';
import { runCli } from '../testing.ts';

const run = (args: string[]) => runCli(args);

describe('rampart proxy', () => {
  it('exits 3 naming the port when the API port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await run(['proxy', '--port', String(port)]);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(String(port));
    } finally {
      blocker.close();
    }
  });

  it('exits 2 naming the key of a bad config file, and naming a bad flag', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rampart-cli-proxy-'));
    const file = path.join(dir, 'proxies.json');
    await writeFile(file, JSON.stringify([{ name: 'pg', listen: '127.0.0.1:0', upstream: 'no-port' }]));
    try {
      const result = await run(['proxy', '--port', '0', '--config', file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('[0].upstream');
      const flag = await run(['proxy', '--port', 'abc']);
      expect(flag.code).toBe(2);
      expect(flag.stderr).toContain('--port');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serves the API until SIGTERM, then exits 0', async () => {
    const child = spawn(process.execPath, [repoPath('bin', 'rampart.js'), 'proxy', '--port', '0', '--seed', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += String(d);
        const m = /on (http:\/\/\S+) /.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`exited early: ${stdout}`)));
    });
    const version = (await (await fetch(`${url}/version`)).json()) as { version: string };
    expect(version.version).toMatch(/^2\./);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
