import { z } from 'zod';
import { drillFileSchema } from './schema.ts';

/**
 * The JSON Schema of drill files, generated from the zod schema (`npm run schema` writes
 * schemas/drill.schema.json; a test checks the committed file is current). Input form: defaulted fields
 * are optional. Refinements (durations, one fault kind per method entry) are checked by rampart when it
 * loads the file.
 */
export function drillJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(drillFileSchema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    reused: 'ref',
  }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://github.com/rampart/rampart/schemas/drill.schema.json',
    title: 'rampart drill file',
  };
}
