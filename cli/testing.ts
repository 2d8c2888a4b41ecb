import { PassThrough } from 'node:stream';
import { main } from './main.ts';

/** Two streams for the CLI's stdout and stderr, and what was written to them so far. */
export function captureOutput() {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => (stdout += String(c)));
  err.on('data', (c) => (stderr += String(c)));
  return { out, err, text: () => ({ stdout, stderr }) };
}

/** Runs the CLI in-process for a test, capturing its output; signals are left alone. */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureOutput();
  const code = await main(['node', 'rampart', ...args], {
    stdout: io.out,
    stderr: io.err,
    env,
    handleSignals: false,
    ...(cwd ? { cwd } : {}),
  });
  return { code, ...io.text() };
}
