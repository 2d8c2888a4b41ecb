/**
 * `npm run bench:stack`: time-to-ready of `rampart stack up` (spawned as a user
 * runs it, wall clock from launch to the "rampart stack ready" line), next to its
 * floor measured in the same run: starting PostgreSQL + Redis alone. Goal: < 15 s.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoPath } from '../common/index.ts';
import { startPostgres, startRedis } from '../stack/index.ts';
import { median } from './stats.ts';

const RUNS = Number(process.argv[2] ?? 3);

async function stackUpOnce(): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-bench-'));
  const started = performance.now();
  const child = spawn(process.execPath, [repoPath('bin/rampart.js'), 'stack', 'up', '--state-dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ms = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += String(c);
      if (out.includes('rampart stack ready')) resolve(performance.now() - started);
    });
    child.once('exit', (code) => reject(new Error(`stack up exited ${code} before ready`)));
  });
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

async function floorOnce(): Promise<number> {
  const started = performance.now();
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  const ms = performance.now() - started;
  await Promise.all([pg.stop(), redis.stop()]);
  return ms;
}

const stack: number[] = [];
const floor: number[] = [];
for (let i = 0; i < RUNS; i++) {
  stack.push(await stackUpOnce());
  floor.push(await floorOnce());
}
const s = median(stack);
const f = median(floor);
console.log(
  `rampart stack up, launch to ready: median ${(s / 1000).toFixed(2)} s (runs: ${stack.map((x) => (x / 1000).toFixed(2)).join(', ')}) goal < 15 s ${s < 15_000 ? 'MET' : 'MISSED'}`,
);
console.log(
  `PostgreSQL + Redis alone (floor): median ${(f / 1000).toFixed(2)} s (runs: ${floor.map((x) => (x / 1000).toFixed(2)).join(', ')})`,
);
console.log(
  `ratio stack/floor: ${(s / f).toFixed(2)}x  (${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(2)})`,
);
