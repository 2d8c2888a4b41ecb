import type { z } from 'zod';
import type { RunEvent } from '../../../reports/index.ts';
import type { DrillStack } from '../types.ts';

/** Where faults go: a Toxiproxy API (rampart's or the real one), the managed stack's processes, the shell, HTTP. */
export interface FaultEnvironment {
  targetUrl: string;
  toxiproxyUrl: string | null;
  /** Proxy names as a drill file writes them → names on this Toxiproxy (`--proxy-name postgres=pg`); unlisted names as written. */
  proxyNames: Readonly<Record<string, string>>;
  stack: DrillStack | null;
}

export interface InjectedFault {
  /** Undoes the fault; safe to call more than once (the second call does nothing). */
  rollback(): Promise<void>;
}

/**
 * One kind of fault a drill file's method can name (its key in the file: `toxiproxy`, `command`, `http`,
 * `process`): schema, what it needs, how it is injected and undone — in one place, as toxics are in
 * proxy/toxics/registry.ts.
 */
export interface FaultKind<S> {
  readonly key: string;
  readonly schema: z.ZodType<S>;
  /** Why this environment cannot inject it, with what would let it; null when it can. A fault that cannot be injected is skipped and the drill is inconclusive. */
  unavailable(spec: S, env: FaultEnvironment): string | null;
  /** Before any load is sent: a fault this environment cannot take is bad input (exit 2) or an unreachable dependency (exit 3). */
  preflight?(spec: S, env: FaultEnvironment): Promise<void>;
  inject(spec: S, env: FaultEnvironment, ctx: { drill: string; id: string }): Promise<InjectedFault>;
  /** A process fault's own journal events besides fault.injected / fault.removed. */
  events?(spec: S): { injected: RunEvent['type']; restored: RunEvent['type'] };
}

/** A rollback that runs once. */
export function once(fn: () => Promise<void>): InjectedFault {
  let done = false;
  return {
    async rollback() {
      if (done) return;
      done = true;
      await fn();
    },
  };
}
