import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sampleProcesses } from './process-sampler.ts';

describe('the process sampler', () => {
  it('counts a busy process tree (a child and its grandchild) per group, rampart itself apart, and a process that exits only for the time it lived', async () => {
    // A parent that starts a grandchild spinning for 2.5 s and spins 2.5 s itself; each prints the CPU it used.
    const spin =
      "const end = Date.now() + 2500; while (Date.now() < end) {} const u = process.cpuUsage(); console.log('cpu', (u.user + u.system) / 1000);";
    const child = spawn(
      process.execPath,
      [
        '-e',
        `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(spin)}], { stdio: 'inherit' }); ${spin}`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const pid = child.pid as number;
    const sampler = sampleProcesses(() => ({ busy: pid, stack: process.pid }), 250);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // Both spinners hold the pipe: it closes when the last one exits.
    await new Promise((r) => child.stdout.once('close', r));
    await new Promise((r) => setTimeout(r, 1200));
    const samples = await sampler.stop();
    const busy = samples.filter((s) => s.process === 'busy');
    expect(new Set(samples.map((s) => s.process))).toEqual(new Set(['busy', 'rampart']));
    expect(busy.length).toBeGreaterThanOrEqual(8);
    const reported = [...out.matchAll(/cpu ([\d.]+)/g)].reduce((a, m) => a + Number(m[1]) / 1000, 0);
    expect(out.match(/cpu /g)).toHaveLength(2);
    const sampled = busy.reduce((a, s) => a + s.cpuMs / 1000, 0);
    // What the two processes used, less at most one interval each between the last reading and the exit
    // (and node's own start-up before the first reading), whatever else the machine runs.
    expect(sampled).toBeGreaterThan(reported - 0.8);
    expect(sampled).toBeLessThan(reported + 0.2);
    expect(sampled).toBeGreaterThan(0.1);
    // After both exited, their group reads nothing (no negative or stale CPU).
    expect(busy.at(-1)).toMatchObject({ cpu: 0, rssMb: 0 });
    expect(samples.every((s) => s.cpu >= 0)).toBe(true);
  }, 30_000);

  it('counts a process born during the run for its whole life, and the interval cut short by stop()', async () => {
    // The sampler's first reading is taken before the process exists; its next would come after 10 s: only the
    // reading stop() takes sees the process, which spun 0.5 s from its birth (a PostgreSQL backend for a new
    // connection, a worker that replaced a killed one).
    let pid = 0;
    const sampler = sampleProcesses((): Record<string, number> => (pid ? { busy: pid } : {}), 10_000);
    await new Promise((r) => setTimeout(r, 200));
    const child = spawn(
      process.execPath,
      ['-e', 'const end = Date.now() + 500; while (Date.now() < end) {} setTimeout(() => {}, 5000);'],
      { stdio: 'ignore' },
    );
    pid = child.pid as number;
    await new Promise((r) => setTimeout(r, 1200));
    const samples = await sampler.stop();
    child.kill();
    const busy = samples.filter((s) => s.process === 'busy');
    expect(busy).toHaveLength(1);
    expect(busy[0]?.cpuMs).toBeGreaterThanOrEqual(400);
    expect(busy[0]?.rssMb).toBeGreaterThan(0);
  }, 30_000);
});
