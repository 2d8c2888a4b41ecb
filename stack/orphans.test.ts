import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoPath, tsNodeArgs } from '../common/index.ts';
import { isAlive, treeMembers } from './child.ts';

describe('no orphans', () => {
  it('takes PostgreSQL and Redis down when the process that started them is killed with SIGKILL', async () => {
    const holder = spawn(process.execPath, [...tsNodeArgs(), repoPath('stack/fixtures/hold-servers.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pids = await new Promise<{ postgres: number; redis: number }>((resolve, reject) => {
      let out = '';
      holder.stdout.on('data', (c) => {
        out += String(c);
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line));
      });
      holder.once('exit', (code) => reject(new Error(`holder exited early (${code})`)));
    });
    const tree = [...treeMembers(pids.postgres), pids.redis];
    expect(tree.every(isAlive)).toBe(true);
    holder.kill('SIGKILL');
    await expect.poll(() => tree.filter(isAlive), { timeout: 15_000, interval: 100 }).toEqual([]);
  });
});
