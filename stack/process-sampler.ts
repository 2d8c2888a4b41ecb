import pidusage from 'pidusage';
import { treesMembers } from './child.ts';

/** One process group's share of the machine in one interval (reports/ ProcessSample has this shape). */
export interface ProcessGroupSample {
  ts: number;
  process: string;
  /** CPU over the interval, fraction of one core. */
  cpu: number;
  /** CPU time used in the interval, ms (the interval is as long as the sampler really took, not its nominal period). */
  cpuMs: number;
  rssMb: number;
}

export interface ProcessSampler {
  /** Stops sampling and returns the samples so far (one per group per interval). */
  stop(): Promise<ProcessGroupSample[]>;
}

/**
 * Samples the CPU and memory of a managed stack's processes every `intervalMs`, per group: each entry of
 * `roots()` (the stack's pids: target primaries, postgres, redis, proxy, lb) with every process under it
 * (workers, PostgreSQL backends), and rampart's own process as `rampart` (the load generator). CPU is
 * summed per pid from pidusage's cumulative ctime, so a process that exits or a worker that replaces a
 * killed one is counted for the time it lived, and the interval cut short by `stop()` is counted too. Reads /proc through pidusage; where a pid cannot be read
 * (gone, another platform) it counts nothing.
 */
export function sampleProcesses(roots: () => Record<string, number | number[]>, intervalMs = 1000): ProcessSampler {
  const samples: ProcessGroupSample[] = [];
  const lastCtime = new Map<number, number>();
  let primed = false;
  let busy: Promise<void> = Promise.resolve();
  let prev = Date.now();

  const read = async (pid: number) => {
    try {
      return await pidusage(pid);
    } catch {
      return null;
    }
  };
  const tick = async () => {
    const now = Date.now();
    const elapsed = Math.max(1, now - prev);
    const named = Object.entries(roots())
      .filter(([name]) => name !== 'stack' && name !== 'workers')
      .map(([name, v]) => [name, Array.isArray(v) ? v : [v]] as const);
    const trees = treesMembers(named.flatMap(([, pids]) => pids));
    const groups: Array<[string, number[]]> = named.map(([name, pids]) => [
      name,
      [...new Set(pids.flatMap((pid) => trees.get(pid) ?? []))],
    ]);
    groups.push(['rampart', [process.pid]]);
    for (const [name, pids] of groups) {
      let cpuMs = 0;
      let rss = 0;
      for (const pid of pids) {
        const s = await read(pid);
        if (!s) continue;
        // A pid there before the run counts only from the first reading on (its earlier life is not this run's);
        // one born during the run (a PostgreSQL backend for a new connection, a worker replacing a killed one)
        // counts its whole life, start-up included.
        const before = lastCtime.get(pid) ?? (primed ? 0 : s.ctime);
        cpuMs += Math.max(0, s.ctime - before);
        lastCtime.set(pid, s.ctime);
        rss += s.memory;
      }
      samples.push({
        ts: prev,
        process: name,
        cpu: cpuMs / elapsed,
        cpuMs: Math.round(cpuMs),
        rssMb: Math.round(rss / 1024 / 1024),
      });
    }
    prev = now;
  };
  // Prime the per-pid counters, so the first interval counts only its own CPU.
  busy = tick().then(() => {
    samples.splice(0);
    primed = true;
  });
  const timer = setInterval(() => {
    busy = busy.then(tick, tick);
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      // The last, partial interval counts too (up to `intervalMs` of CPU a short run would otherwise lose).
      busy = busy.then(tick, tick);
      await busy.catch(() => undefined);
      pidusage.clear();
      return samples;
    },
  };
}
