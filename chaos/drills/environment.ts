import { baseUrlText, InputError } from '../../common/index.ts';
import type { FaultEnvironment } from './faults/fault-kind.ts';
import { kindOf } from './faults/registry.ts';
import type { Drill, RunDrillOptions } from './types.ts';

export interface DrillEnvironment {
  /** The target the load, probes and reconciliation go to: the managed stack's, or --target as the CLI parsed it. */
  target: URL;
  faults: FaultEnvironment;
  /** PostgreSQL for sql reconciliation: the managed stack's, or --database-url. */
  databaseUrl: string | null;
  notes: string[];
}

/** Where a drill runs: the managed stack (its fault proxy, processes and database) or a target someone else runs. */
export function drillEnvironment(options: RunDrillOptions): DrillEnvironment {
  const proxyNames = options.proxyNames ?? {};
  if (options.stack) {
    const { stack } = options;
    const notes =
      !stack.proxyUrl || !stack.proxies
        ? ['the managed stack runs without the fault proxy: toxiproxy faults are skipped']
        : [];
    return {
      target: new URL(stack.targetUrl),
      databaseUrl: stack.postgresUrl,
      notes,
      faults: {
        targetUrl: stack.targetUrl,
        toxiproxyUrl: stack.proxyUrl,
        proxyNames: { ...(stack.proxies ?? {}), ...proxyNames },
        stack,
      },
    };
  }
  if (!options.target)
    throw new InputError('RAMPART_DRILL_NO_TARGET', 'a drill needs the managed stack or --target URL', {
      hint: 'run without --target to use the managed stack',
    });
  return {
    target: options.target,
    databaseUrl: options.databaseUrl ?? null,
    notes: [],
    faults: {
      targetUrl: baseUrlText(options.target),
      toxiproxyUrl: options.toxiproxyUrl ?? null,
      proxyNames,
      stack: null,
    },
  };
}

/** The faults of the method this environment cannot inject, each with what would let it. */
export function unavailableFaults(drill: Drill, env: DrillEnvironment): string[] {
  return drill.method.flatMap((t) => {
    const why = kindOf(t.action).unavailable(t.action.spec, env.faults);
    return why ? [`${t.label}: ${why}`] : [];
  });
}

/**
 * Before any load is sent: every fault this environment can inject is checked where it will go (a
 * Toxiproxy proxy that does not exist is bad input, exit 2; a Toxiproxy that does not answer, exit 3),
 * and sql reconciliation needs a database.
 */
export async function preflight(drill: Drill, env: DrillEnvironment): Promise<void> {
  // A drill that can inject nothing here sends nothing: it is recorded INCONCLUSIVE, saying why.
  if (unavailableFaults(drill, env).length === drill.method.length) return;
  for (const t of drill.method) {
    const kind = kindOf(t.action);
    if (kind.unavailable(t.action.spec, env.faults) === null) await kind.preflight?.(t.action.spec, env.faults);
  }
  const sql = drill.reconcile.find((r) => r.sql);
  if (sql && !env.databaseUrl) {
    throw new InputError(
      'RAMPART_NO_DATABASE',
      `drill ${drill.name} reconciles ${sql.writes} in the database, but no database was given`,
      {
        hint: 'give --database-url postgres://… of the system under test, or reconcile through its API (reconcile[].read)',
      },
    );
  }
}

/** The CLI's check before anything starts (a drill on --target): where each fault will go, and the database. */
export async function preflightDrill(drill: Drill, options: RunDrillOptions): Promise<void> {
  await preflight(drill, drillEnvironment(options));
}
