import type { z } from 'zod';
import type { ExecutorHooks, RunningExecutor } from './start.ts';

/** Open: iterations start on a schedule whether or not earlier ones finished. Closed: VUs loop, each waiting for its last. */
export type LoadModel = 'open' | 'closed';

/** What every k6 scenario entry carries besides its executor's own fields. */
export interface K6Context {
  /** The scenario's name (for notes). */
  name: string;
  /** exec, startTime, gracefulStop, tags, env: spread right after `executor`. */
  common: Record<string, unknown>;
  /** The scenario's gracefulStop as k6 reads it. */
  grace: string;
}

export interface K6ScenarioPlan {
  options: Record<string, unknown>;
  notes: string[];
}

/** An executor's zod schema: a strict object whose `executor` is its name. */
export type ExecutorSchema<N extends string = string> = z.ZodObject<
  { executor: z.ZodLiteral<N> } & z.core.$ZodShape,
  z.core.$strict
>;

/**
 * One executor, everything rampart does by its name: the suite-file schema, the load model, how it
 * starts, its peaks, its k6 form. The registry (registry.ts) gathers them; nothing else lists executors.
 */
export interface ExecutorDefinition<
  N extends string = string,
  S extends ExecutorSchema<N> = ExecutorSchema<N>,
  M extends LoadModel = LoadModel,
> {
  readonly name: N;
  /** Its own fields (the scenario's common fields are added by scenarios/schema/scenario.ts). */
  readonly schema: S;
  readonly model: M;
  /** One line for the docs table (docs/engine.md). */
  readonly description: string;
  /** The field that must last longer than 0s, or null when the work is fixed (iterations) and maxDuration only bounds it. */
  readonly lasts: 'duration' | 'stages' | null;
  /** How long the load lasts (its duration, its stages, or its maxDuration), ms. */
  loadMs(c: z.output<S>): number;
  /** Most VUs at once: the closed model's VU count at its peak, the open model's cap on iterations in flight. */
  peakVus(c: z.output<S>): number;
  /** Highest arrival rate per second it asks for; a closed model asks for none (0: its VUs set the pace). */
  peakRatePerSecond(c: z.output<S>): number;
  /** Starts the load (the engine calls it once the setup phase is over). */
  start(c: z.output<S>, hooks: ExecutorHooks): RunningExecutor;
  /** Its k6 `options.scenarios[name]` entry, and what k6 cannot say as rampart does. */
  k6(c: z.output<S>, ctx: K6Context): K6ScenarioPlan;
}

/** Types a definition: its name, schema and model are kept as literals so the registry can derive the union. */
export function defineExecutor<const N extends string, S extends ExecutorSchema<N>, const M extends LoadModel>(
  d: ExecutorDefinition<N, S, M>,
): ExecutorDefinition<N, S, M> {
  return d;
}
