import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The repository root, also when this file runs compiled from dist/common/ (see tsconfig.build.json). */
const compiled = path.basename(here) === 'dist';
export const repoRoot = compiled ? path.dirname(here) : here;

/**
 * The tsx loader, as an absolute URL so child processes find it from any cwd.
 * Resolved through createRequire rather than import.meta.resolve, which some
 * module runners (vitest's globalSetup) do not provide.
 */
let tsxLoader: string | undefined;
function loaderUrl(): string {
  tsxLoader ??= pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return tsxLoader;
}

/**
 * execArgv for a child Node process that runs TypeScript sources from this
 * repository (used by spawn/fork and by cluster.setupPrimary).
 */
export function tsNodeArgs(): string[] {
  return ['--import', loaderUrl()];
}

/**
 * How a child Node process runs one of rampart's entry files (`target/cluster.ts`, `proxy/main.ts`): the compiled
 * JavaScript beside this module when it runs compiled (dist/, which is all an installed package has), else the
 * TypeScript source through tsx. Spawn it as `node ...execArgv file`.
 */
export function nodeEntry(source: string): { execArgv: string[]; file: string } {
  if (compiled) return { execArgv: [], file: path.join(here, source.replace(/\.ts$/, '.js')) };
  return { execArgv: tsNodeArgs(), file: repoPath(source) };
}

/** Absolute path of a repository file from a path relative to the root. */
export function repoPath(...parts: string[]): string {
  return path.join(repoRoot, ...parts);
}
