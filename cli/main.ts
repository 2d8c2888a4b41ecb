import { Command, CommanderError, Help } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandNamed, commands, type CommandEntry, type Register } from './commands/index.ts';
import type { CliContext } from './context.ts';
import { watchParent } from './parent-watch.ts';

// Start-up: `rampart --help`, `--version` and a mistyped command are answered from the command table alone. The
// named command's module, the environment's zod schema and the error table load only when a command is named.

/** A second signal this soon after the first is the same Ctrl-C, forwarded by a wrapper. */
const FORWARDED_SIGNAL_WINDOW_MS = 500;

export interface MainOptions {
  env?: NodeJS.ProcessEnv;
  stdout?: CliContext['stdout'];
  stderr?: CliContext['stderr'];
  /** Install SIGINT/SIGTERM handlers (off in tests that call main in-process). */
  handleSignals?: boolean;
  /** The working directory files like ./slo.yaml are found in (default: the process's). */
  cwd?: string;
}

type Output = Pick<CliContext, 'stdout' | 'stderr'>;

function version(): string {
  // package.json sits above cli/ (sources) or dist/cli/ (compiled).
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The program: the commands `loaded` registered as themselves, the others as their line in the help only. */
function assemble(out: Output, loaded?: { ctx: CliContext; registers: ReadonlyMap<CommandEntry, Register> }): Command {
  const program = new Command('rampart')
    .description('Prove a backend meets its SLOs under load, under failure and under attack.')
    .version(version())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => out.stdout.write(s),
      writeErr: (s) => out.stderr.write(s),
    });
  const terms = new Map<Command, string>();
  for (const entry of commands) {
    const register = loaded?.registers.get(entry);
    if (loaded && register) {
      register(program, loaded.ctx);
    } else {
      const listed = new Command(entry.name).description(entry.description);
      terms.set(listed, entry.term);
      program.addCommand(listed);
    }
  }
  program.configureHelp({
    subcommandTerm(this: Help, cmd: Command) {
      return terms.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
  // Subcommands inherit exit override and output settings.
  program.commands.forEach(function apply(cmd: Command) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => out.stdout.write(s), writeErr: (s) => out.stderr.write(s) });
    cmd.commands.forEach(apply);
  });
  return program;
}

/** The program with every command listed but none loaded: enough for `--help`, `--version` and a mistyped name. */
export function listingProgram(out: Output): Command {
  return assemble(out);
}

/**
 * The program with every command registered, or with only `only` registered and the others listed (what
 * `rampart <command>` needs). Commands keep their order in the help either way.
 */
export async function buildProgram(ctx: CliContext, only?: CommandEntry): Promise<Command> {
  const chosen = commands.filter((c) => only === undefined || c === only);
  const registers = await Promise.all(chosen.map(async (c) => [c, await c.load()] as const));
  return assemble(ctx, { ctx, registers: new Map(registers) });
}

/** Runs the CLI; returns the exit code (0 met, 1 breached, 2 bad input, 3 environment). */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const named = commandNamed(argv);
  if (named === undefined) return listOnly(argv, { stdout, stderr });
  const [{ InterruptedError, loadEnvConfig }, { ExitCode, describeError, exitCodeForError }] = await Promise.all([
    import('../common/index.ts'),
    import('./exit-codes.ts'),
  ]);
  const controller = new AbortController();
  const handleSignals = options.handleSignals ?? true;
  let signals = 0;
  let firstAt = 0;
  const stop = (why: string) => {
    signals += 1;
    firstAt = Date.now();
    stderr.write(
      `\nrampart: ${why}, stopping (rolling back faults, writing what was measured); press Ctrl-C again to force\n`,
    );
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
    const ctx: CliContext = {
      env,
      vars,
      cwd: options.cwd ?? process.cwd(),
      stdout,
      stderr,
      signal: controller.signal,
      exitCode: ExitCode.ok,
    };
    const program = await buildProgram(ctx, named);
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exit code 0; everything else commander rejects is bad input.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return ExitCode.ok;
      return ExitCode.badInput;
    }
    stderr.write(`${describeError(err)}\n`);
    return exitCodeForError(err);
  } finally {
    if (handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      unwatchParent();
    }
  }
}

/**
 * No command named: `--help`, `--version`, nothing at all, or a word that is no command. Commander answers from the
 * listing; the codes are ExitCode.ok (0) and ExitCode.badInput (2), written out so the error table (and the common
 * door's zod) stays unloaded.
 */
async function listOnly(argv: string[], out: Output): Promise<number> {
  try {
    await listingProgram(out).parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return 0;
      return 2;
    }
    throw err;
  }
  // Commander ran a listed command without its module: commandNamed() and the table disagree.
  throw new Error(`rampart: internal error: ${argv.slice(2).join(' ')} reached a command that was not loaded`);
}
