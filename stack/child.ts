import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * A server process started by stack/, with the two guarantees no library gives
 * us together: it is in its own process group (so pause/kill reach the whole
 * server, e.g. PostgreSQL's backends, and a Ctrl-C on the terminal does not hit
 * it before we stop it in order), and it dies with us even when we are killed
 * with SIGKILL (Linux PR_SET_PDEATHSIG through util-linux `setpriv`, which can
 * also drop root to another user in the same exec). Where setpriv is missing
 * (macOS) the process-exit hook below is the fallback.
 */
export interface ManagedChild {
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly hasExited: () => boolean;
  /** Sends a signal to the process group; ignores ESRCH. */
  signalGroup(sig: NodeJS.Signals): void;
  /** Sends a signal to every process of the tree (root first); ignores ESRCH. */
  signalTree(sig: NodeJS.Signals): void;
}

export interface SpawnManagedOptions {
  /** Run as this user (only when we are root). */
  user?: { uid: number; gid: number };
  /** Signal the child receives when this process dies. */
  deathSignal?: NodeJS.Signals;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  onOutput?: (line: string) => void;
  /** Open a Node IPC channel (the child is a Node process that talks back with process.send). */
  ipc?: boolean;
}

const live = new Set<ManagedChild>();
let hookInstalled = false;

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  // Synchronous last resort: a process.exit() anywhere still takes our children down.
  process.on('exit', () => {
    for (const child of live) child.signalTree('SIGKILL');
  });
}

let setprivPath: string | null | undefined;
function findSetpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  if (process.platform !== 'linux') return null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/bin', '/bin'])) {
    const candidate = path.join(dir, 'setpriv');
    if (dir && existsSync(candidate)) {
      setprivPath = candidate;
      break;
    }
  }
  return setprivPath;
}

export function spawnManaged(command: string, args: string[], options: SpawnManagedOptions = {}): ManagedChild {
  installExitHook();
  const setpriv = findSetpriv();
  let file = command;
  let argv = args;
  let ids: { uid?: number; gid?: number } = {};
  if (setpriv) {
    const pre: string[] = [];
    if (options.user) pre.push(`--reuid=${options.user.uid}`, `--regid=${options.user.gid}`, '--clear-groups');
    pre.push('--pdeathsig', (options.deathSignal ?? 'SIGTERM').replace(/^SIG/, ''));
    file = setpriv;
    argv = [...pre, command, ...args];
  } else if (options.user) {
    ids = { uid: options.user.uid, gid: options.user.gid };
  }
  const proc = spawn(file, argv, {
    ...ids,
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) {
    // spawn reports ENOENT asynchronously; surface it synchronously for callers.
    throw Object.assign(new Error(`cannot start ${command}`), { code: 'ENOENT' });
  }
  const pid = proc.pid;
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      done = true;
      live.delete(child);
      resolve({ code, signal });
    });
    // An 'error' after spawn (e.g. a failed kill) must not crash the process; exit is what we track.
    proc.on('error', () => undefined);
  });
  const forward = (stream: NodeJS.ReadableStream | null) => {
    if (!stream) return;
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim()) options.onOutput?.(line);
      }
    });
  };
  forward(proc.stdout);
  forward(proc.stderr);
  const child: ManagedChild = {
    pid,
    process: proc,
    exited,
    hasExited: () => done,
    signalGroup(sig) {
      try {
        process.kill(-pid, sig);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    },
    signalTree(sig) {
      child.signalGroup(sig);
      signalPids(treeMembers(pid), sig);
    },
  };
  live.add(child);
  return child;
}

/** True when a process with this pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): kill(0) succeeded
  }
}

function readStat(pid: string): { state: string; ppid: number; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined; // raced with an exit, or no /proc
  }
}

/**
 * The live (non-zombie) pids of a process tree: the root, its descendants, and
 * members of its process group. PostgreSQL's backends call setsid(), so the
 * group alone does not reach them; the ppid links do. Linux /proc only.
 */
export function treeMembers(root: number): number[] {
  return treesMembers([root]).get(root) ?? [];
}

/** treeMembers of several roots from one reading of /proc (a sampler reads every group of a stack each second). */
export function treesMembers(roots: readonly number[]): Map<number, number[]> {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return new Map(roots.map((root) => [root, isAlive(root) ? [root] : []]));
  }
  const rootSet = new Set(roots);
  const children = new Map<number, number[]>();
  const live = new Set<number>();
  for (const entry of entries) {
    const st = readStat(entry);
    if (!st || st.state === 'Z' || st.state === 'X') continue;
    const pid = Number(entry);
    live.add(pid);
    if (rootSet.has(st.pgrp) && pid !== st.pgrp) children.set(st.pgrp, [...(children.get(st.pgrp) ?? []), pid]);
    children.set(st.ppid, [...(children.get(st.ppid) ?? []), pid]);
  }
  const result = new Map<number, number[]>();
  for (const root of roots) {
    const out = new Set<number>();
    const queue = live.has(root) ? [root] : [...(children.get(root) ?? [])];
    while (queue.length > 0) {
      const pid = queue.shift() as number;
      if (out.has(pid) || !live.has(pid)) continue;
      out.add(pid);
      queue.push(...(children.get(pid) ?? []));
    }
    result.set(root, [...out]);
  }
  return result;
}

function signalPids(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/**
 * Stops a child: `signal` to it, then SIGKILL to the whole tree after
 * `graceMs`; resolves once the root and every process of its tree have exited.
 */
export async function stopChild(child: ManagedChild, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const tree = new Set(treeMembers(child.pid));
  if (!child.hasExited()) {
    child.signalTree('SIGCONT'); // a paused server cannot handle the stop signal
    if (signal === 'SIGKILL') child.signalTree('SIGKILL');
    else child.signalGroup(signal);
    const timer = setTimeout(() => child.signalTree('SIGKILL'), graceMs);
    await child.exited;
    clearTimeout(timer);
  }
  // Left-over tree members (e.g. PostgreSQL backends after a SIGKILL of the postmaster).
  const deadline = Date.now() + graceMs;
  for (;;) {
    const left = [...tree].filter(isAlive);
    if (left.length === 0) return;
    if (Date.now() > deadline) signalPids(left, 'SIGKILL');
    if (Date.now() > deadline + 5000) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}
