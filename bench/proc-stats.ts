// Per-process figures the target benchmarks read from /proc (Linux): CPU time, children, write system calls.
// Each reads 0 or nothing where there is no /proc or the process is gone.
import { readFileSync, readdirSync } from 'node:fs';

const statFields = (pid: number | string): string[] =>
  readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');

/** CPU time (user + system) the process has used so far, in ms. */
export function procCpuMs(pid: number): number {
  try {
    const f = statFields(pid);
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU time (ms) of a process and everything under it so far: its own, its reaped children's (cutime + cstime,
 * where a PostgreSQL backend's time goes when it exits) and its live children's. Unlike a sum over a list of pids
 * taken earlier, it does not go down when a child exits between two readings.
 */
export function treeCpuMs(pid: number): number {
  const own = (p: number | string, reaped: boolean) => {
    try {
      const f = statFields(p);
      const ticks = Number(f[11]) + Number(f[12]) + (reaped ? Number(f[13]) + Number(f[14]) : 0);
      return (ticks * 1000) / 100;
    } catch {
      return 0;
    }
  };
  return own(pid, true) + childrenOf(pid).reduce((a, c) => a + treeCpuMs(c), 0);
}

/** The pids whose parent is `ppid`. */
export function childrenOf(ppid: number): number[] {
  try {
    return readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .flatMap((p) => {
        try {
          return Number(statFields(p)[1]) === ppid ? [Number(p)] : [];
        } catch {
          return [];
        }
      });
  } catch {
    return [];
  }
}

/** Write system calls so far (/proc/<pid>/io syscw), summed over the pids. */
export function writeSyscalls(pids: number[]): number {
  return pids.reduce((a, p) => {
    try {
      return a + Number(/syscw: (\d+)/.exec(readFileSync(`/proc/${p}/io`, 'utf8'))?.[1] ?? 0);
    } catch {
      return a;
    }
  }, 0);
}
