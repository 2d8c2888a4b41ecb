import { z } from 'zod';
import type { ExecutorDefinition, ExecutorSchema, LoadModel } from './definition.ts';
import { constantArrivalRate } from './definitions/constant-arrival-rate.ts';
import { rampingArrivalRate } from './definitions/ramping-arrival-rate.ts';
import { constantVus } from './definitions/constant-vus.ts';
import { rampingVus } from './definitions/ramping-vus.ts';
import { perVuIterations, sharedIterations } from './definitions/iterations.ts';

/**
 * Every executor rampart knows, in the order the schema, the JSON Schema and the docs list them. The
 * executor union, its names, the JSON Schema and the docs table are derived from this list: an executor
 * not in it does not exist, and comparing a scenario's executor with another name does not compile.
 */
const definitions = [
  constantArrivalRate,
  rampingArrivalRate,
  constantVus,
  rampingVus,
  perVuIterations,
  sharedIterations,
] as const;

type Definitions = typeof definitions;
type AnyDefinition = Definitions[number];
export type ExecutorName = AnyDefinition['name'];
/** An executor's own fields (the scenario's common fields are in scenarios/schema/scenario.ts). */
export type ExecutorConfig = z.output<AnyDefinition['schema']>;
export type OpenExecutorName = Extract<AnyDefinition, { model: 'open' }>['name'];

/** The definition of each executor by name: a lookup over every name, exhaustive by type. */
export const executors: { readonly [D in AnyDefinition as D['name']]: D } = Object.fromEntries(
  definitions.map((d) => [d.name, d]),
) as { readonly [D in AnyDefinition as D['name']]: D };

type NamesOf<T extends readonly unknown[]> = { -readonly [I in keyof T]: T[I] extends { name: infer N } ? N : never };
/** The executor names, in the registry's order. */
export const executorNames = definitions.map((d) => d.name) as unknown as NamesOf<Definitions>;

/** A definition that takes any scenario: what callers use who hold a scenario, not one executor's config. */
type Dispatch = ExecutorDefinition<ExecutorName, ExecutorSchema<ExecutorName>, LoadModel>;

/** The definition of the scenario's executor. */
export function definitionOf(c: { executor: ExecutorName }): Dispatch {
  return executors[c.executor] as Dispatch;
}

export function isOpenModel<C extends { executor: ExecutorName }>(
  c: C,
): c is Extract<C, { executor: OpenExecutorName }> {
  return executors[c.executor].model === 'open';
}

type SchemasOf<T extends readonly unknown[]> = {
  -readonly [I in keyof T]: T[I] extends { schema: infer S } ? S : never;
};
type ExtendedOf<T extends readonly unknown[], F extends z.core.$ZodLooseShape> = {
  -readonly [I in keyof T]: T[I] extends { schema: z.ZodObject<infer Shape, infer Config> }
    ? z.ZodObject<z.core.util.Extend<Shape, z.core.util.Writeable<F>>, Config>
    : never;
};
type Schemas = SchemasOf<Definitions>;
type Extended<F extends z.core.$ZodLooseShape> = ExtendedOf<Definitions, F>;

/** Each executor's schema, in the registry's order (the options of a discriminated union on `executor`). */
export const executorSchemas = definitions.map((d) => d.schema) as unknown as Schemas;

/** Each executor's schema with the given fields added: the options of a scenario union (scenario.ts, suite.ts). */
export function extendedExecutorSchemas<F extends z.core.$ZodLooseShape>(fields: F): Extended<F> {
  return definitions.map((d) => d.schema.extend(fields)) as unknown as Extended<F>;
}

export const executorSchema = z.discriminatedUnion('executor', executorSchemas);

/** The names of one load model's executors, in the registry's order. */
export const executorNamesOf = (model: LoadModel): string[] =>
  definitions.filter((d) => d.model === model).map((d) => d.name);

/** The executors as a markdown table (docs/engine.md, between the executors markers). */
export function executorDocsTable(): string {
  return [
    '| executor | model | load |',
    '| --- | --- | --- |',
    ...definitions.map((d) => `| \`${d.name}\` | ${d.model} | ${d.description} |`),
  ].join('\n');
}
