import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { getFreePort } from '../../common/index.ts';
import { runCli } from '../testing.ts';

const run = (args: string[]) => runCli(args);

describe('rampart drill', () => {
  it('lists the drills', async () => {
    const r = await run(['drill', '--list']);
    expect(r.code).toBe(0);
    for (const name of ['pg-latency', 'pg-down', 'redis-down', 'redis-latency', 'network-reset', 'bandwidth-squeeze', 'worker-crash', 'pg-restart']) {
      expect(r.stdout).toContain(name);
    }
  });

  it('exits 2 naming an unknown drill, a bad profile or a bad URL', async () => {
    const unknown = await run(['drill', 'pg-melts']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('pg-melts');
    const profile = await run(['drill', 'pg-down', '--profile', 'huge']);
    expect(profile.code).toBe(2);
    expect(profile.stderr).toContain('--profile');
    const url = await run(['drill', 'pg-down', '--target', 'not a url']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('--target');
  });

  it('exits 3 when --target does not answer', async () => {
    const r = await run(['drill', 'pg-down', '--target', `http://127.0.0.1:${await getFreePort()}`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot reach/);
  });

  it('against an external target, skips process faults and says so in run.json', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rampart-drill-'));
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await run(['drill', 'worker-crash', '--target', target, '--out', dir]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/skipped: kill -9 one worker: process faults need the managed stack/);
      const record = JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8')) as { drills: { name: string; skipped: string[] }[]; notes: string[] };
      expect(record.drills[0]).toMatchObject({ name: 'worker-crash', skipped: [expect.stringMatching(/process faults/)] });
      expect(record.notes.join('\n')).toMatch(/process faults .* are skipped/);
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
