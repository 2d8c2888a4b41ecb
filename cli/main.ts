import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { InterruptedError, loadEnvConfig, repoPath } from '../common/index.ts';
import { commands } from './commands/index.ts';
import type { CliContext } from './context.ts';
import { ExitCode, describeError, exitCodeFor } from './exit-codes.ts';
import { watchParent } from './parent-watch.ts';

/** A second signal this soon after the first is the same Ctrl-C, forwarded by a wrapper. */
const FORWARDED_SIGNAL_WINDOW_MS = 500;

export interface MainOptions {
  env?: NodeJS.ProcessEnv;
  stdout?: CliContext['stdout'];
  stderr?: CliContext['stderr'];
  /** Install SIGINT/SIGTERM handlers (off in tests that call main in-process). */
  handleSignals?: boolean;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('rampart')
    .description('Prove a backend meets its SLOs under load, under failure and under attack.')
    .version(version())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  for (const register of commands) register(program, ctx);
  // Subcommands inherit exit override and output settings.
  program.commands.forEach(function apply(cmd: Command) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });
    cmd.commands.forEach(apply);
  });
  return program;
}

/** Runs the CLI; returns the exit code (0 met, 1 breached, 2 bad input, 3 environment). */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const controller = new AbortController();
  const handleSignals = options.handleSignals ?? true;
  let signals = 0;
  let firstAt = 0;
  const stop = (why: string) => {
    signals += 1;
    firstAt = Date.now();
    stderr.write(`\nrampart: ${why}, stopping (rolling back faults, writing what was measured); press Ctrl-C again to force\n`);
    controller.abort(new InterruptedError(`interrupted: ${why}`));
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (signals === 0) return stop(`${sig} received`);
    // A wrapper that shares our terminal (npm/npx) forwards the same Ctrl-C to us again: count it once.
    if (Date.now() - firstAt < FORWARDED_SIGNAL_WINDOW_MS) return;
    stderr.write('rampart: forced exit\n');
    process.exit(130);
  };
  let unwatchParent: () => void = () => undefined;
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // Re-parented: whoever started us is gone and its signal will never come (npm's `sh -c` wrapper took it).
    unwatchParent = watchParent((pid) => {
      if (signals === 0) stop(`the process that started rampart (pid ${pid}) has exited`);
    });
  }
  try {
    const rawEnv = options.env ?? process.env;
    const env = loadEnvConfig(rawEnv);
    const vars = Object.freeze({ ...rawEnv });
    const ctx: CliContext = { env, vars, stdout, stderr, signal: controller.signal, exitCode: ExitCode.ok };
    const program = buildProgram(ctx);
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exit code 0; everything else commander rejects is bad input.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
      return ExitCode.badInput;
    }
    stderr.write(`${describeError(err)}\n`);
    return exitCodeFor(err);
  } finally {
    if (handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      unwatchParent();
    }
  }
}
