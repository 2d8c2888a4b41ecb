#!/usr/bin/env node
// Start-up without a transpile: the compiled JavaScript in dist/ (`npm run build`, which `npm ci` runs through
// "prepare") when it is there and no TypeScript source is newer than it; otherwise the sources through tsx's
// loader, so an edited checkout never runs stale code. Child processes (the target's cluster workers, the fault
// proxy) run their TypeScript through tsx either way (see common/node-process.ts).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['cli', 'session', 'common', 'target', 'stack', 'proxy', 'scenarios', 'chaos', 'security', 'reports'];

/** True when some .ts file under dir was modified after `since` (ms). */
function newerSource(dir, since) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'out' && e.name !== 'node_modules' && newerSource(p, since)) return true;
    } else if (e.name.endsWith('.ts') && statSync(p).mtimeMs > since) {
      return true;
    }
  }
  return false;
}

function distIsFresh() {
  let built;
  try {
    built = statSync(path.join(root, 'dist', '.build-stamp')).mtimeMs;
    statSync(path.join(root, 'dist', 'cli', 'main.js'));
  } catch {
    return false;
  }
  return !SOURCE_DIRS.some((d) => newerSource(path.join(root, d), built));
}

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
