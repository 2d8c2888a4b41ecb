import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadEnvConfig, repoPath } from '../common/index.ts';
import { commands } from './commands/index.ts';
import { buildProgram, main } from './main.ts';
import { captureOutput } from './testing.ts';

const capture = captureOutput;

describe('the rampart CLI', () => {
  it('prints help and exits 0', async () => {
    const io = capture();
    const code = await main(['node', 'rampart', '--help'], {
      stdout: io.out,
      stderr: io.err,
      env: {},
      handleSignals: false,
    });
    expect(code).toBe(0);
    expect(io.text().stdout).toContain('Usage: rampart');
  });

  it('exits 2 on an unknown flag and says which', async () => {
    const io = capture();
    const code = await main(['node', 'rampart', '--no-such-flag'], {
      stdout: io.out,
      stderr: io.err,
      env: {},
      handleSignals: false,
    });
    expect(code).toBe(2);
    expect(io.text().stderr).toContain('--no-such-flag');
  });

  it('exits 2 on a bad environment variable when a command is named, and names the variable', async () => {
    const io = capture();
    const code = await main(['node', 'rampart', 'report', '--help'], {
      stdout: io.out,
      stderr: io.err,
      env: { REDIS_URL: 'nope' },
      handleSignals: false,
    });
    expect(code).toBe(2);
    expect(io.text().stderr).toContain('REDIS_URL');
  });

  it('lists each command in --help exactly as the command registers itself', async () => {
    const listed = capture();
    expect(
      await main(['node', 'rampart', '--help'], {
        stdout: listed.out,
        stderr: listed.err,
        env: {},
        handleSignals: false,
      }),
    ).toBe(0);
    const full = capture();
    const ctx = {
      env: loadEnvConfig({}),
      vars: {},
      cwd: process.cwd(),
      stdout: full.out,
      stderr: full.err,
      signal: new AbortController().signal,
      exitCode: 0,
    };
    const program = await buildProgram(ctx);
    expect(program.commands.map((c) => c.name())).toEqual(commands.map((c) => c.name));
    program.outputHelp();
    // A difference here: a command's description or arguments changed; update its entry in cli/commands/index.ts.
    expect(listed.text().stdout).toBe(full.text().stdout);
    for (const c of commands)
      expect(listed.text().stdout).toMatch(new RegExp(`^  ${c.term.replace(/[[\]().*+?]/g, '\\$&')} `, 'm'));
  });

  it('runs `help <command>` and `<command> --help` with that command loaded', async () => {
    for (const argv of [
      ['help', 'load'],
      ['load', '--help'],
      ['k6', 'import', '--help'],
    ]) {
      const io = capture();
      expect(
        await main(['node', 'rampart', ...argv], { stdout: io.out, stderr: io.err, env: {}, handleSignals: false }),
      ).toBe(0);
      expect(io.text().stdout).toMatch(/Usage: rampart (load|k6 import)/);
      expect(io.text().stdout).toContain('Options:');
    }
  });

  it('says which word is no command and exits 2', async () => {
    const io = capture();
    expect(
      await main(['node', 'rampart', 'lod', 'http://127.0.0.1:1/'], {
        stdout: io.out,
        stderr: io.err,
        env: {},
        handleSignals: false,
      }),
    ).toBe(2);
    expect(io.text().stderr).toMatch(/unknown command 'lod'/);
    expect(io.text().stderr).toContain('load');
  });
});

describe('the rampart executable', () => {
  it('prints help listing every command, loading no command module and no zod', () => {
    // A module hook (in its own thread) prints each module URL the process loads to stderr.
    const hooks =
      'export async function load(url, context, next) { process._rawDebug("loaded " + url); return next(url, context); }';
    const registerHooks = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const res = spawnSync(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(registerHooks)}`, repoPath('bin/rampart.js'), '--help'],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(res.status).toBe(0);
    for (const c of commands) expect(res.stdout).toMatch(new RegExp(`^  ${c.name}\\b`, 'm'));
    const loaded = res.stderr.split('\n').filter((l) => l.startsWith('loaded '));
    expect(loaded.some((l) => /cli\/main\.[jt]s$/.test(l))).toBe(true);
    expect(loaded.filter((l) => /cli\/commands\/(?!index\.)|node_modules\/zod\//.test(l))).toEqual([]);
  });

  it('run as a program (npx rampart: its shebang), gives node the 64 MB young generation the load generator needs', () => {
    // A preload prints the flags node was started with; NODE_OPTIONS itself is not among them.
    const print = 'process._rawDebug("execArgv " + JSON.stringify(process.execArgv));';
    const res = spawnSync(repoPath('bin/rampart.js'), ['--help'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(print)}` },
    });
    expect(res.status, res.stderr).toBe(0);
    const line = res.stderr.split('\n').find((l) => l.startsWith('execArgv '));
    expect(JSON.parse(line?.slice('execArgv '.length) ?? '[]')).toContain('--max-semi-space-size=64');
    // npm start passes it too.
    const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(/^node --max-semi-space-size=64 bin\/rampart\.js /);
  });
});
