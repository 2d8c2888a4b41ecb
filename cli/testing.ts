import { PassThrough } from 'node:stream';
import { main } from './main.ts';

/** Runs the CLI in-process for a test, capturing its output; signals are left alone. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => (stdout += String(c)));
  err.on('data', (c) => (stderr += String(c)));
  const code = await main(['node', 'rampart', ...args], { stdout: out, stderr: err, env, handleSignals: false });
  return { code, stdout, stderr };
}
