// `npm run schema`: regenerates schemas/scenario.schema.json (suite files) from the zod schema.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoPath } from '../common/index.ts';
import { scenarioJsonSchema } from './schema/suite.ts';

const file = repoPath('schemas', 'scenario.schema.json');
await mkdir(path.dirname(file), { recursive: true });
await writeFile(file, `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
