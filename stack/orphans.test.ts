import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, type ExpectStatic } from 'vitest';
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

/**
 * The wrappers the README tells people to use. npm runs a bin or a script
 * through `script-shell -c`: with the project's .npmrc that is bash, which execs
 * rampart so npm's forwarded signals reach it; with dash (`sh`, npm's default)
 * the shell takes the signal and dies, and rampart only learns it was
 * re-parented. Either way nothing of the stack may be left 10 s later.
 */
describe('a signal to the npm/npx wrapper stops rampart and everything it started', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'rampart-wrapper-'));
  const trees: number[][] = [];
  afterAll(() => {
    // A failed test must not leave its stack behind either.
    for (const pid of trees.flat().filter(isAlive)) process.kill(pid, 'SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  });

  function wrapperEnv(scriptShell: 'sh' | 'project'): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' };
    delete env.npm_config_script_shell;
    if (scriptShell === 'sh') env.npm_config_script_shell = 'sh';
    return env;
  }

  /** Starts a wrapper in its own process group (as a terminal's job) and resolves once `ready` was printed. */
  async function startWrapper(
    args: string[],
    env: NodeJS.ProcessEnv,
    ready: RegExp,
  ): Promise<{
    proc: ChildProcess;
    out: () => string;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  }> {
    const proc = spawn('npm', args, { cwd: repoPath(), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await new Promise<void>((resolve, reject) => {
      const onData = (c: Buffer) => {
        out += String(c);
        if (ready.test(out)) resolve();
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      void exited.then(({ code, signal }) =>
        reject(new Error(`npm ${args.join(' ')} exited before ready (code ${code}, signal ${signal}):\n${out}`)),
      );
    });
    return { proc, out: () => out, exited };
  }

  /** Every process under the wrapper: npm, the shell if any, rampart, PostgreSQL and its backends, Redis, the target's primary and worker. */
  function stackTree(wrapperPid: number): number[] {
    const tree = treeMembers(wrapperPid);
    trees.push(tree);
    return tree;
  }

  // Each case starts npm, rampart (through tsx) and a stack; three at once on a loaded 2-core machine can take
  // a minute to get that far, so the bound is generous; the 10 s after the signal is what is asserted.
  const WRAPPER_TEST_MS = 150_000;
  const allGone = (e: ExpectStatic, tree: number[]) =>
    e.poll(() => tree.filter(isAlive), { timeout: 10_000, interval: 100 }).toEqual([]);

  it.concurrent(
    'Ctrl-C to `npx rampart stack up` (SIGINT to its process group) stops everything and npx exits 0',
    async ({ expect }) => {
      const stateDir = path.join(scratch, 'ctrl-c');
      const w = await startWrapper(
        ['exec', '--', 'rampart', 'stack', 'up', '--workers', '1', '--no-proxy', '--state-dir', stateDir],
        wrapperEnv('project'),
        /Ctrl-C \(or/,
      );
      const tree = stackTree(w.proc.pid as number);
      expect(tree.length).toBeGreaterThanOrEqual(5); // npm, rampart, postgres (+ its workers), redis, target primary + worker
      process.kill(-(w.proc.pid as number), 'SIGINT');
      await allGone(expect, tree);
      expect(await w.exited).toEqual({ code: 0, signal: null });
      expect(w.out()).toMatch(/rampart stack stopped; nothing left running/);
      expect(existsSync(path.join(stateDir, 'stack.json'))).toBe(false);
    },
    WRAPPER_TEST_MS,
  );

  it.concurrent(
    "SIGTERM to npx running `rampart stack up` through `sh -c` (npm's default shell): rampart notices it was re-parented",
    async ({ expect }) => {
      const stateDir = path.join(scratch, 'sigterm-sh');
      const w = await startWrapper(
        ['exec', '--', 'rampart', 'stack', 'up', '--workers', '1', '--no-proxy', '--state-dir', stateDir],
        wrapperEnv('sh'),
        /Ctrl-C \(or/,
      );
      const tree = stackTree(w.proc.pid as number);
      expect(tree.length).toBeGreaterThanOrEqual(6); // the same, plus the shell
      process.kill(w.proc.pid as number, 'SIGTERM');
      await allGone(expect, tree);
      expect(w.out()).toMatch(/the process that started rampart \(pid \d+\) has exited, stopping/);
      expect(existsSync(path.join(stateDir, 'stack.json'))).toBe(false);
    },
    WRAPPER_TEST_MS,
  );

  it.concurrent(
    'SIGTERM to `npm start` mid-gate stops the gate, its stack, and still writes the run record',
    async ({ expect }) => {
      const outDir = path.join(scratch, 'gate');
      const w = await startWrapper(
        ['start', '--', '--out', outDir, '--suites', 'smoke', '--drills', 'none', '--no-scan'],
        wrapperEnv('project'),
        /gate: suite smoke/,
      );
      const tree = stackTree(w.proc.pid as number);
      expect(tree.length).toBeGreaterThanOrEqual(5);
      process.kill(w.proc.pid as number, 'SIGTERM');
      await allGone(expect, tree);
      expect(w.out()).toMatch(/SIGTERM received, stopping/);
      await w.exited;
      expect(existsSync(path.join(outDir, 'run.json'))).toBe(true);
    },
    WRAPPER_TEST_MS,
  );
});
