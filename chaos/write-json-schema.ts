// `npm run schema`: regenerates schemas/drill.schema.json (drill files) from the zod schema.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoPath } from '../common/index.ts';
import { drillJsonSchema } from './drills/file/json-schema.ts';

const file = repoPath('schemas', 'drill.schema.json');
await mkdir(path.dirname(file), { recursive: true });
await writeFile(file, `${JSON.stringify(drillJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
