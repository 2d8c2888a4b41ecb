import { readFile } from 'node:fs/promises';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../common/index.ts';
import { runRecordJsonSchema } from './json-schema.ts';
import { fixtureRun } from './testing/fixture-run.ts';

describe('the run record JSON Schema', () => {
  it('the committed schemas/run-record.schema.json is what `npm run schema` generates now', async () => {
    const committed = JSON.parse(await readFile(repoPath('schemas', 'run-record.schema.json'), 'utf8'));
    expect(committed, 'run `npm run schema` and commit schemas/run-record.schema.json').toEqual(runRecordJsonSchema());
  });

  it('accepts a real run record and rejects one with a wrong field', () => {
    const ajv = new Ajv2020.default({ strict: false });
    const validate = ajv.compile(runRecordJsonSchema());
    const record = JSON.parse(JSON.stringify(fixtureRun(20)));
    expect(validate(record), JSON.stringify(validate.errors)).toBe(true);
    record.samples[0].count = 'many';
    expect(validate(record)).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain('/samples/0/count');
  });
});
