// `npm run docs:sizing`: rewrites the sizing table of docs/chaos.md (planned vs needed requests per drill window)
// from the bundled drill files; chaos/drills/sizing.test.ts fails while the table is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { repoPath } from '../common/index.ts';
import { replaceSizingTable } from './drills/sizing-doc.ts';

const file = repoPath('docs', 'chaos.md');
await writeFile(file, replaceSizingTable(await readFile(file, 'utf8')));
process.stdout.write('wrote the sizing table of docs/chaos.md\n');
