#!/usr/bin/env -S node --max-semi-space-size=64
// The shebang's flag: the load generator's young generation, 64 MB per semi-space instead of node's 16 (as the
// target's workers have, WORKER_SEMI_SPACE_MB). With 10,000 users in flight the generator keeps every request's
// state across a 16 MB young generation's scavenges (one every ~0.5 s, 12-72 ms each, measured): each pause delays
// the reading of every response in flight and shows in their latency. `npm start` passes the same flag; `node
// bin/rampart.js` without it runs with node's default. npm's Windows shim reads `env -S` shebangs too.
// Start-up without a transpile: the compiled JavaScript in dist/ (`npm run build`, which `npm ci` runs through
// "prepare") when it is there and no TypeScript source is newer than it; otherwise the sources through tsx's
// loader, so an edited checkout never runs stale code. Child processes (the target's cluster workers, the fault
// proxy) run their TypeScript through tsx either way (see common/node-process.ts).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { distIsFresh, root } from './dist-fresh.js';

// RAMPART_FROM_SOURCE=1 runs the TypeScript sources even when a fresh build exists (to compare or debug).
const compiled = process.env.RAMPART_FROM_SOURCE !== '1' && distIsFresh();
// TypeScript run from source, or a TypeScript file named on the command line (an slo.ts): tsx's loader.
if (!compiled || process.argv.slice(2).some((a) => /\.[cm]?ts$/.test(a))) {
  const { register } = await import('tsx/esm/api');
  register();
}
// Output piped into a reader that closed early (`rampart … | head`): stop quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const entry = compiled ? path.join(root, 'dist', 'cli', 'main.js') : path.join(root, 'cli', 'main.ts');
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv);
