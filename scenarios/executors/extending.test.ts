import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import { runCli } from '../../cli/testing.ts';
import { codeLines, fileCode, guideExample } from '../../test/guide-examples.ts';
import { extractOptions } from '../k6/export.ts';
import { loadSuite } from '../suites.ts';
import { listenOnLoopback } from '../testing/local-servers.ts';
import type * as Registry from './registry.ts';

// docs/extending.md, "An executor", step 2: the registry lists the new definition. The example (step 1,
// testing/fixed-arrivals.ts) is not shipped, so this file adds it to the real registry module here. The registry
// derives its exports from a private list, so each derived value is the real one plus the example's part; the types
// (ExecutorName, ExecutorConfig) cannot be extended at run time, which is why the suite below is a YAML file. The
// suite loader, the engine, the CLI, the k6 export and the server are the real ones.
vi.mock('./registry.ts', async (importOriginal) => {
  const real = await importOriginal<typeof Registry>();
  const { z: zod } = await import('zod');
  const { fixedArrivals: d } = await import('./testing/fixed-arrivals.ts');
  const executors: Record<string, unknown> = { ...real.executors, [d.name]: d };
  const executorSchemas = [...real.executorSchemas, d.schema] as const;
  const byName = (c: { executor: string }) => executors[c.executor] as { model: string };
  return {
    ...real,
    executors,
    executorNames: [...real.executorNames, d.name],
    definitionOf: byName,
    isOpenModel: (c: { executor: string }) => byName(c).model === 'open',
    executorSchemas,
    extendedExecutorSchemas: (fields: z.core.$ZodLooseShape) => [
      ...real.extendedExecutorSchemas(fields),
      d.schema.extend(fields),
    ],
    executorSchema: zod.discriminatedUnion('executor', executorSchemas),
    executorNamesOf: (model: string) => [
      ...real.executorNamesOf(model as 'open'),
      ...(d.model === model ? [d.name] : []),
    ],
    executorDocsTable: () => `${real.executorDocsTable()}\n| \`${d.name}\` | ${d.model} | ${d.description} |`,
  };
});

const ITERATIONS = 20;
const suiteYaml = `name: arrivals
description: ${ITERATIONS} GETs spread over a second
stack: {}
scenarios:
  - name: arrivals
    executor: fixed-arrivals
    iterations: ${ITERATIONS}
    duration: 1s
    flows:
      - name: get
        steps:
          - { name: GET /, path: /, checks: [{ type: status, equals: 200 }] }
    thresholds:
      checks: ["rate==1"]
    thresholdWindows: []
`;

describe('an executor added the way docs/extending.md says (the example fixed-arrivals)', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-extending-executor-'));
    file = path.join(dir, 'arrivals.yaml');
    await writeFile(file, suiteYaml);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("is the guide's example, line for line", () => {
    expect(fileCode('scenarios', 'executors', 'testing', 'fixed-arrivals.ts')).toEqual(
      codeLines(guideExample('scenarios/executors/definitions/fixed-arrivals.ts')),
    );
  });

  it('a suite file with executor: fixed-arrivals loads as an open model; a wrong field is still refused', async () => {
    const suite = loadSuite(file, 'full');
    const s = suite.scenarios[0] as unknown as Record<string, unknown>;
    expect(s).toMatchObject({ name: 'arrivals', executor: 'fixed-arrivals', iterations: ITERATIONS, duration: '1s' });
    const { isOpenModel, definitionOf } = await import('./registry.ts');
    expect(isOpenModel(suite.scenarios[0] as never)).toBe(true);
    const d = definitionOf(suite.scenarios[0] as never);
    expect([d.peakVus(s as never), d.peakRatePerSecond(s as never), d.loadMs(s as never)]).toEqual([100, 20, 1000]);
    // The schema is the example's own, strict: k6's `rate` is not one of its fields.
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, suiteYaml.replace('duration: 1s', 'duration: 1s\n    rate: 5'));
    expect(() => loadSuite(bad, 'full')).toThrow(/rate/);
  });

  it('rampart run sends every arrival to a real server, spread over the duration', async () => {
    const arrivals: number[] = [];
    const server = http.createServer((req, res) => {
      arrivals.push(performance.now());
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await using listening = await listenOnLoopback(server);
    const out = path.join(dir, 'run');
    const run = await runCli(['run', file, '--target', listening.url.origin, '--out', out]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(arrivals).toHaveLength(ITERATIONS);
    // Evenly over 1s: one every 50 ms, so the first and the last are ~950 ms apart (not all at once, not late).
    const span = (arrivals.at(-1) as number) - (arrivals[0] as number);
    expect(span).toBeGreaterThan(700);
    expect(span).toBeLessThan(3000);
    const record = JSON.parse(await readFile(path.join(out, 'run.json'), 'utf8')) as { verdict: string };
    expect(record.verdict).toBe('pass');
  }, 60_000);

  it('rampart k6 export writes it as a constant-arrival-rate whose timeUnit is the whole duration', async () => {
    const res = await runCli(['k6', 'export', file]);
    expect(res.code, res.stderr).toBe(0);
    const options = extractOptions(res.stdout) as { scenarios: Record<string, Record<string, unknown>> };
    expect(options.scenarios.arrivals).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: ITERATIONS,
      timeUnit: '1s',
      duration: '1s',
      preAllocatedVUs: 50,
      maxVUs: 100,
    });
  });
});
