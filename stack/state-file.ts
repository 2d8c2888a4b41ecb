import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { EnvironmentError, parseOrThrow } from '../common/index.ts';

/** `.rampart/stack.json`: what a running stack is, for `stack down/status` and for other commands. */
export const stackStateSchema = z.object({
  target: z.string(),
  postgres: z.string(),
  redis: z.string(),
  proxy: z.string().nullable(),
  pids: z.record(z.string(), z.union([z.number(), z.array(z.number())])),
  proxies: z.object({ postgres: z.string(), redis: z.string() }).nullable().optional(),
  /** listen addresses of the proxies (what the target connects to). */
  proxyListen: z.object({ postgres: z.string(), redis: z.string() }).nullable().optional(),
  provider: z.enum(['managed', 'docker']).optional(),
  workers: z.number().optional(),
  tls: z.object({ certFile: z.string() }).nullable().optional(),
  /** The load balancer of a scaled-out stack and the instances behind it. */
  lb: z.object({ kind: z.string(), configFile: z.string(), instances: z.array(z.string()) }).optional(),
  /** Instances behind the balancer restarted after a crash (instance number → restarts), and those left down. */
  supervision: z.object({ restarts: z.record(z.string(), z.number()), givenUp: z.array(z.number()) }).optional(),
  startedAt: z.string().optional(),
});
export type StackState = z.infer<typeof stackStateSchema>;

export function stackFile(stateDir: string): string {
  return path.join(stateDir, 'stack.json');
}

export async function writeStackState(stateDir: string, state: StackState): Promise<string> {
  await mkdir(stateDir, { recursive: true });
  const file = stackFile(stateDir);
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`);
  return file;
}

export async function readStackState(stateDir: string): Promise<StackState> {
  const file = stackFile(stateDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new EnvironmentError('RAMPART_NO_STACK', `no running stack recorded in ${file}`, {
      cause: err,
      hint: 'start one with `rampart stack up` (or pass --state-dir)',
    });
  }
  return parseOrThrow(stackStateSchema, JSON.parse(text), {
    code: 'RAMPART_STACK_FILE_INVALID',
    what: file,
    hint: 'delete it and start the stack again',
  });
}

/** Removes the file if it still describes the stack owned by `ownerPid`. */
export async function removeStackState(stateDir: string, ownerPid: number): Promise<void> {
  const file = stackFile(stateDir);
  try {
    const state = JSON.parse(await readFile(file, 'utf8')) as StackState;
    if (state.pids.stack === ownerPid) await rm(file, { force: true });
  } catch {
    // already gone or unreadable: nothing of ours to remove
  }
}
