import type { z } from 'zod';
import { commandFault } from './command-fault.ts';
import type { FaultKind } from './fault-kind.ts';
import { httpFault } from './http-fault.ts';
import { processFault } from './process-fault.ts';
import { toxiproxyFault } from './toxiproxy-fault.ts';

/**
 * Every fault kind a drill file's method can name, by its key in the file. The drill file schema's
 * method entries, the JSON Schema and docs/chaos.md's table come from this list.
 */
export const faultKinds = [toxiproxyFault, commandFault, httpFault, processFault] as const;

/** The method entry's optional key per kind (exactly one is given; schema.ts checks that). */
export const faultSchemas = {
  toxiproxy: toxiproxyFault.schema.optional(),
  command: commandFault.schema.optional(),
  http: httpFault.schema.optional(),
  process: processFault.schema.optional(),
} satisfies { [K in (typeof faultKinds)[number]['key']]: z.ZodType };

export type FaultKey = keyof typeof faultSchemas;
type SpecOf<K extends FaultKey> = NonNullable<z.infer<(typeof faultSchemas)[K]>>;
/** One fault of a method, its kind and its spec. */
export type FaultAction = { [K in FaultKey]: { kind: K; spec: SpecOf<K> } }[FaultKey];

/** The kind definition of an action, typed for its spec. */
export function kindOf(action: FaultAction): FaultKind<unknown> {
  const kind = faultKinds.find((k) => k.key === action.kind);
  if (!kind) throw new Error(`unknown fault kind ${action.kind}`);
  return kind as FaultKind<unknown>;
}

/** The action of a method entry: the one fault key it holds. */
export function actionOf(entry: Partial<{ [K in FaultKey]: SpecOf<K> | undefined }>): FaultAction {
  for (const k of Object.keys(faultSchemas) as FaultKey[]) {
    const spec = entry[k];
    if (spec !== undefined) return { kind: k, spec } as FaultAction;
  }
  throw new Error('a method entry without a fault kind');
}
