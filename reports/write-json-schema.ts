// `npm run schema`: regenerates schemas/run-record.schema.json from the zod schema.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoPath } from '../common/index.ts';
import { runRecordJsonSchema } from './json-schema.ts';

const file = repoPath('schemas', 'run-record.schema.json');
await mkdir(path.dirname(file), { recursive: true });
await writeFile(file, `${JSON.stringify(runRecordJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
