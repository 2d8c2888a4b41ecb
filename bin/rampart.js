#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so a fresh `npm ci` is all
// it needs (no build step to forget). Child processes are started the same way
// (see common/node-process.ts).
import { register } from 'tsx/esm/api';

register();
// Output piped into a reader that closed early (`rampart … | head`): stop quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
