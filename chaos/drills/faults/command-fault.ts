import { spawn } from 'node:child_process';
import { z } from 'zod';
import { parseDuration } from '../../../common/index.ts';
import { once, type FaultKind } from './fault-kind.ts';

/**
 * `command: { run, rollback }`: a shell command and its undo (freeze a process with kill -STOP / -CONT,
 * docker pause / unpause, systemctl stop / start, tc qdisc add / del…). `{{env.NAME}}` is filled from the
 * environment when the file is loaded. A command that exits non-zero or outlives its timeout fails: the
 * injection as an error of the drill, the rollback as a failed check that fails the drill.
 */
export const commandSpecSchema = z
  .object({
    run: z.string().min(1),
    rollback: z.string().min(1),
    /** How long each of the two may take (default 30s). */
    timeout: z.union([z.string(), z.number().nonnegative()]).default('30s'),
  })
  .strict();
export type CommandSpec = z.infer<typeof commandSpecSchema>;

/** Runs `sh -c command`; resolves when it exits 0, rejects naming the exit status and the end of its output. */
export function runShell(command: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (b: Buffer) => {
      output = (output + b.toString('utf8')).slice(-2000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`\`${command}\` could not start: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const why =
        signal === 'SIGKILL'
          ? `did not finish within ${timeoutMs} ms`
          : signal
            ? `was killed by ${signal}`
            : `exited ${code}`;
      reject(
        new Error(
          `\`${command}\` ${why}${output.trim() ? `: ${output.trim().split('\n').slice(-3).join(' | ')}` : ''}`,
        ),
      );
    });
  });
}

export const commandFault: FaultKind<CommandSpec> = {
  key: 'command',
  schema: commandSpecSchema,
  unavailable: () => null,
  async inject(spec) {
    const timeoutMs = parseDuration(spec.timeout);
    await runShell(spec.run, timeoutMs);
    return once(() => runShell(spec.rollback, timeoutMs));
  },
};
