import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { repoPath, tsNodeArgs } from '../../common/index.ts';
import type { Behaviour } from './local-servers.ts';

export interface SpawnedServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a local test server in a child process; it exits when stopped or when this process's stdin pipe closes. */
export async function spawnLocalServer(behaviour: Behaviour): Promise<SpawnedServer> {
  const child = spawn(
    process.execPath,
    [...tsNodeArgs(), repoPath('scenarios/testing/server-main.ts'), JSON.stringify(behaviour)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`test server exited with code ${String(code)} before listening`);
    }),
  ])) as [string];
  const { url } = JSON.parse(first) as { url: string };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  return { url, pid: child.pid as number, stop, [Symbol.asyncDispose]: stop };
}
