import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root, resolved from this file's place in it. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The tsx loader, as an absolute URL so child processes find it from any cwd. */
const tsxLoader = import.meta.resolve('tsx');

/**
 * execArgv for a child Node process that runs TypeScript sources from this
 * repository (used by spawn/fork and by cluster.setupPrimary).
 */
export function tsNodeArgs(): string[] {
  return ['--import', tsxLoader];
}

/** Absolute path of a repository file from a path relative to the root. */
export function repoPath(...parts: string[]): string {
  return path.join(repoRoot, ...parts);
}
