import { z } from 'zod';
import { runRecordSchema } from './run-record.ts';

/**
 * The run record's JSON Schema, generated from the zod schema (the source of
 * truth). `npm run schema` writes it to schemas/run-record.schema.json; a test
 * checks the committed file is up to date. Input form: defaulted fields are
 * optional, as a producer may omit them.
 */
export function runRecordJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(runRecordSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >),
    $id: 'https://github.com/rampart/rampart/schemas/run-record.schema.json',
    title: 'rampart run record',
  };
}
