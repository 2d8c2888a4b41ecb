// Whether dist/ (the compiled build) is current: it exists and no TypeScript source is newer than its stamp.
// Used by bin/rampart.js to pick compiled JavaScript over a transpile, and by the benchmarks to measure what
// `rampart` runs.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = [
  'cli',
  'session',
  'common',
  'target',
  'stack',
  'proxy',
  'scenarios',
  'chaos',
  'security',
  'reports',
];

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

export function distIsFresh() {
  let built;
  try {
    built = statSync(path.join(root, 'dist', '.build-stamp')).mtimeMs;
    statSync(path.join(root, 'dist', 'cli', 'main.js'));
  } catch {
    return false;
  }
  return !SOURCE_DIRS.some((d) => newerSource(path.join(root, d), built));
}
