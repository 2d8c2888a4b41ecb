// `npm run docs:executors`: rewrites the executors table of docs/engine.md from the registry
// (scenarios/executors/registry.ts); scenarios/executors/registry.test.ts fails while the table is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { repoPath } from '../common/index.ts';
import { replaceExecutorTable } from './executors/docs.ts';

const file = repoPath('docs', 'engine.md');
await writeFile(file, replaceExecutorTable(await readFile(file, 'utf8')));
process.stdout.write('wrote the executors table of docs/engine.md\n');
