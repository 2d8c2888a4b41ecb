import { rm } from 'node:fs/promises';
import { EnvironmentError } from '../common/index.ts';
import { isAlive } from './child.ts';
import { readStackState, stackFile, type StackState } from './state-file.ts';

/**
 * Process control of a stack started elsewhere (`rampart stack up` in another
 * terminal), found through the state file it wrote: stop it, or say how it is.
 */

/** Waits until none of `pids` is alive, or `timeoutMs` passed; returns those still alive. */
export async function waitGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(isAlive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = left.filter(isAlive);
  }
  return left;
}

/**
 * Stops the stack recorded in `<stateDir>/stack.json`. Its owning process, when
 * alive, is asked (SIGTERM) to stop everything in order and remove its data and
 * the state file; without an owner the recorded processes get SIGTERM, then
 * SIGKILL after 20 s, and the state file is removed here.
 */
export async function stopRecordedStack(stateDir: string): Promise<StackState> {
  const state = await readStackState(stateDir);
  const owner = state.pids.stack;
  const others = Object.entries(state.pids)
    .filter(([k]) => k !== 'stack')
    .flatMap(([, v]) => (Array.isArray(v) ? v : [v]));
  if (typeof owner === 'number' && isAlive(owner)) {
    process.kill(owner, 'SIGTERM');
    const left = await waitGone([owner, ...others], 40_000);
    if (left.length > 0)
      throw new EnvironmentError('RAMPART_STACK_DOWN_TIMEOUT', `still running after 40 s: pids ${left.join(', ')}`, {
        hint: `kill -9 ${left.join(' ')}`,
      });
  } else {
    for (const pid of others) if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    const left = await waitGone(others, 20_000);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    await rm(stackFile(stateDir), { force: true });
  }
  return state;
}

export interface RecordedStackStatus {
  state: StackState;
  /** Each recorded component with its pids and whether each is alive. */
  components: Array<{ name: string; pids: Array<{ pid: number; alive: boolean }> }>;
  /** The target's /readyz status code, or 'unreachable'. */
  ready: string;
  /** Every process alive and /readyz 200. */
  healthy: boolean;
}

/** How the stack recorded in `<stateDir>/stack.json` is: its processes alive or not, its target ready or not. */
export async function recordedStackStatus(stateDir: string): Promise<RecordedStackStatus> {
  const state = await readStackState(stateDir);
  const components = Object.entries(state.pids).map(([name, v]) => ({
    name,
    pids: (Array.isArray(v) ? v : [v]).map((pid) => ({ pid, alive: isAlive(pid) })),
  }));
  let healthy = components.every((c) => c.pids.every((p) => p.alive));
  let ready = 'unreachable';
  try {
    const res = await fetch(`${state.target}/readyz`, { signal: AbortSignal.timeout(3000) });
    ready = String(res.status);
    if (res.status !== 200) healthy = false;
    await res.body?.cancel();
  } catch {
    healthy = false;
  }
  return { state, components, ready, healthy };
}
