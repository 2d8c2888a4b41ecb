import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../../common/index.ts';
import { parseScenario, scenarioSchema } from '../schema/scenario.ts';
import { scenarioJsonSchema } from '../schema/suite.ts';
import { defineExecutor } from './definition.ts';
import { replaceExecutorTable } from './docs.ts';
import { definitionOf, executorNames, executorSchema, executors, isOpenModel, type ExecutorName } from './registry.ts';

const registryNames = Object.keys(executors);

/** The `const` of every `executor` property in a JSON Schema, in document order. */
function executorConsts(node: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) node.forEach((n) => executorConsts(n, out));
  else if (node !== null && typeof node === 'object') {
    const props = (node as { properties?: Record<string, { const?: unknown }> }).properties;
    if (props?.executor) out.push(props.executor.const);
    Object.values(node).forEach((n) => executorConsts(n, out));
  }
  return out;
}

const unionNames = (u: { options: readonly z.ZodType[] }) =>
  u.options.map((o) => ((o as z.ZodObject).shape.executor as z.ZodLiteral<string>).value);

describe('the executor registry is the single source of executors', () => {
  it('each definition is registered under its own name, names unique', () => {
    expect(Object.entries(executors).map(([k, d]) => [k, d.name])).toEqual(registryNames.map((n) => [n, n]));
    expect(executorNames).toEqual(registryNames);
    expect(new Set(registryNames).size).toBe(registryNames.length);
  });

  it('the zod unions (executor, scenario) list exactly the registry, in its order', () => {
    expect(unionNames(executorSchema)).toEqual(registryNames);
    expect(unionNames(scenarioSchema)).toEqual(registryNames);
  });

  it('the JSON Schema (generated and committed) lists exactly the registry', () => {
    expect(executorConsts(scenarioJsonSchema())).toEqual(registryNames);
    const committed: unknown = JSON.parse(readFileSync(repoPath('schemas', 'scenario.schema.json'), 'utf8'));
    expect(executorConsts(committed)).toEqual(registryNames);
  });

  it('docs/engine.md shows the current executors table (npm run docs:executors rewrites it)', () => {
    const doc = readFileSync(repoPath('docs', 'engine.md'), 'utf8');
    expect(doc, "docs/engine.md's executors table is stale: run `npm run docs:executors`").toBe(
      replaceExecutorTable(doc),
    );
    const rows = [...doc.matchAll(/^\| `([a-z-]+)` \| (open|closed) \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(registryNames);
  });

  it('every executor parses and answers what the engine, capacity and the k6 export ask of it', () => {
    const samples: Record<ExecutorName, Record<string, unknown>> = {
      'constant-arrival-rate': { rate: 20, duration: '10s' },
      'ramping-arrival-rate': { startRate: 5, stages: [{ target: 40, duration: '10s' }] },
      'constant-vus': { vus: 3, duration: '10s' },
      'ramping-vus': { startVUs: 1, stages: [{ target: 7, duration: '10s' }] },
      'per-vu-iterations': { vus: 4, iterations: 2 },
      'shared-iterations': { vus: 2, iterations: 9 },
    };
    const flows = [{ name: 'f', steps: [{ path: '/' }] }];
    const got = Object.fromEntries(
      registryNames.map((name) => {
        const s = parseScenario({ name: 's', executor: name, flows, ...samples[name as ExecutorName] });
        const d = definitionOf(s);
        return [name, [d.model, isOpenModel(s), d.peakVus(s), d.peakRatePerSecond(s), d.loadMs(s)]];
      }),
    );
    expect(got).toEqual({
      'constant-arrival-rate': ['open', true, 100, 20, 10_000],
      'ramping-arrival-rate': ['open', true, 100, 40, 10_000],
      'constant-vus': ['closed', false, 3, 0, 10_000],
      'ramping-vus': ['closed', false, 7, 0, 10_000],
      'per-vu-iterations': ['closed', false, 4, 0, 600_000],
      'shared-iterations': ['closed', false, 2, 0, 600_000],
    });
  });

  it('a scenario that lasts 0s is refused on the field its executor names', () => {
    expect(() =>
      parseScenario({ name: 's', executor: 'ramping-vus', stages: [{ target: 1, duration: '0s' }], flows: [] }),
    ).toThrow('stages: the scenario must last longer than 0s');
    expect(() => parseScenario({ name: 's', executor: 'constant-vus', vus: 1, duration: 0, flows: [] })).toThrow(
      'duration: the scenario must last longer than 0s',
    );
    expect(() =>
      parseScenario({
        name: 's',
        executor: 'shared-iterations',
        maxDuration: '0s',
        flows: [{ name: 'f', steps: [{ path: '/' }] }],
      }),
    ).not.toThrow();
  });
});

// Type-level: these lines fail to compile (tsc --noEmit -p .) if the registry stops enforcing them.
export function typeChecks(s: z.output<typeof executorSchema>) {
  // A definition lacking a field (here: its k6 form) does not compile.
  // @ts-expect-error property 'k6' is missing
  defineExecutor({
    name: 'x-rate',
    schema: z.object({ executor: z.literal('x-rate') }).strict(),
    model: 'open',
    description: 'x',
    lasts: null,
    loadMs: () => 0,
    peakVus: () => 0,
    peakRatePerSecond: () => 0,
    start: () => {
      throw new Error('never started');
    },
  });
  // A definition whose schema names another executor does not compile.
  defineExecutor({
    name: 'y-rate',
    // @ts-expect-error the schema's executor literal must be the definition's name
    schema: z.object({ executor: z.literal('z-rate') }).strict(),
    model: 'closed',
    description: 'y',
    lasts: null,
    loadMs: () => 0,
    peakVus: () => 0,
    peakRatePerSecond: () => 0,
    start: () => {
      throw new Error('never started');
    },
    k6: () => ({ options: {}, notes: [] }),
  });
  // A name the registry lacks is no executor: comparing with it does not compile.
  // @ts-expect-error no overlap between the registry's names and 'constant-rate'
  if (s.executor === 'constant-rate') return;
  // The lookup by name is exhaustive: every name has its definition.
  const all: Record<ExecutorName, { name: string }> = executors;
  return all;
}
