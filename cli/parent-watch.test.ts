import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchParent } from './parent-watch.ts';

describe('watchParent', () => {
  it('calls back once, with the former parent, when the parent pid changes', async () => {
    let ppid = 4242;
    const calls: number[] = [];
    const stop = watchParent((pid) => calls.push(pid), { intervalMs: 5, readPpid: () => ppid });
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toEqual([]);
    ppid = 1;
    await expect.poll(() => calls, { timeout: 1000, interval: 5 }).toEqual([4242]);
    ppid = 777;
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toEqual([4242]);
    stop();
  });

  it('does not watch a process started by init, and stops watching when asked', async () => {
    let reads = 0;
    watchParent(() => undefined, { intervalMs: 5, readPpid: () => (reads++, 1) });
    const calls: number[] = [];
    let ppid = 10;
    const stop = watchParent((pid) => calls.push(pid), { intervalMs: 5, readPpid: () => ppid });
    stop();
    ppid = 1;
    await new Promise((r) => setTimeout(r, 30));
    expect(reads).toBe(1);
    expect(calls).toEqual([]);
  });

  it('sees a real re-parenting: a node process whose shell exits learns it', async () => {
    // sh starts node in the background, waits until node watches, then exits; node reports what it saw.
    const marker = path.join(await mkdtemp(path.join(os.tmpdir(), 'rampart-ppid-')), 'watching');
    const script = `import(${JSON.stringify(new URL('./parent-watch.ts', import.meta.url).href)}).then(({ watchParent }) => {
      const t = setTimeout(() => { console.log('not noticed'); process.exit(1); }, 10000);
      watchParent((pid) => { clearTimeout(t); console.log('orphaned from ' + pid); process.exit(0); }, { intervalMs: 50 });
      require('node:fs').writeFileSync(${JSON.stringify(marker)}, '');
    })`;
    const out = await new Promise<string>((resolve) => {
      const sh = spawn(
        'sh',
        [
          '-c',
          `"${process.execPath}" --import tsx -e "$0" & echo "shell $$"; while [ ! -e "${marker}" ]; do sleep 0.05; done`,
          script,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let text = '';
      sh.stdout.on('data', (c) => {
        text += String(c);
        if (/orphaned|not noticed/.test(text)) resolve(text);
      });
    });
    const shell = /shell (\d+)/.exec(out)?.[1];
    expect(out).toContain(`orphaned from ${shell}`);
    await rm(path.dirname(marker), { recursive: true, force: true });
  });
});
