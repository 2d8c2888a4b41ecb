import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../../common/index.ts';
import { planDrill, sizingNotes, undersized } from '../sizing.ts';
import { drillJsonSchema } from './json-schema.ts';
import { loadDrill } from './load-drill.ts';

/** The blocks of docs/extending.md marked `file=<name>`, by name: the guide's drill example exactly as printed. */
async function guideFiles(): Promise<Map<string, string>> {
  const text = await readFile(repoPath('docs', 'extending.md'), 'utf8');
  return new Map(
    [...text.matchAll(/^```\S+ file=(\S+)\n([\s\S]*?)^```$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
}

describe("docs/extending.md's drill, added the way the guide says (a file beside its load suite)", () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-extending-drill-'));
    const files = await guideFiles();
    expect([...files.keys()].sort()).toEqual(['catalog-slow.yaml', 'shop.yaml']);
    for (const [name, text] of files) await writeFile(path.join(dir, name), text);
    file = path.join(dir, 'catalog-slow.yaml');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('follows schemas/drill.schema.json and loads in both profiles with its load suite, fault and objectives', async () => {
    const validate = new Ajv2020.default({ strict: false }).compile(drillJsonSchema());
    const doc = parseYaml(await readFile(file, 'utf8'));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    for (const profile of ['quick', 'full'] as const) {
      const drill = loadDrill(file, profile);
      expect(drill.name).toBe('catalog-slow');
      expect(drill.load.scenario).toMatchObject({ executor: 'constant-arrival-rate', rate: 50 });
      expect(drill.method).toMatchObject([
        {
          label: 'catalog slow',
          at: 0,
          duration: 15,
          action: { kind: 'toxiproxy', spec: { proxy: 'catalog', toxic: { type: 'latency' } } },
        },
      ]);
      expect(drill.during.map((o) => `${o.tag} ${o.metric} ${o.op} ${o.value}`)).toEqual([
        'GET /items/{id} availability >= 0.99',
        'GET /items/{id} p95 <= 1000',
      ]);
    }
  });

  it('is sized: every window plans at least 1.5× the requests its objectives need, so the run carries no warning', () => {
    const drill = loadDrill(file, 'quick');
    expect(undersized(drill)).toEqual([]);
    expect(sizingNotes(drill)).toEqual([]);
    expect(new Set(planDrill(drill).map((p) => p.phase))).toEqual(new Set(['steady', 'during', 'after']));
  });

  it('a copy with a 4 s fault is reported under-sized, naming the window and both counts', async () => {
    const short = path.join(dir, 'catalog-slow-short.yaml');
    await writeFile(short, (await readFile(file, 'utf8')).replace('duration: 15s\nduring', 'duration: 4s\nduring'));
    const notes = sizingNotes(loadDrill(short, 'quick'));
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(
      /^catalog-slow \(quick\) during: "GET \/items\/\{id\}: available at least 99 %" plans \d+ GET \/items\/\{id\} requests, needs 299/,
    );
  });
});
