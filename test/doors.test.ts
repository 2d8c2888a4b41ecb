import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../common/index.ts';

/**
 * A folder's index.ts is its public door: it exports what other folders use, and nothing more (a name
 * only the folder's own code or tests use stays inside, imported from its file). A name counts as used
 * when a file outside the folder that imports the door (statically or with import()) names it.
 */
const doors = ['cli', 'session', 'common', 'chaos', 'proxy', 'reports', 'scenarios', 'security', 'stack', 'target'];
const elsewhere = [...doors, 'test', 'bench', 'bin'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(full).isDirectory() ? sourceFiles(full) : /\.(ts|js)$/.test(name) ? [full] : [];
  });
}

/** The names index.ts exports: `export { a, b as c } from`, `export type { … }`, `export function/const/class …`. */
export function exportedNames(src: string): string[] {
  const names: string[] = [];
  for (const m of src.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of (m[1] ?? '').split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()
        ?.trim();
      if (name) names.push(name);
    }
  }
  for (const m of src.matchAll(
    /export\s+(?:async\s+)?(?:function|const|class|let|type|interface|enum)\s+([A-Za-z_$][\w$]*)/g,
  ))
    names.push(m[1] as string);
  return names;
}

describe('public doors', () => {
  it("every folder's index.ts exports only names used outside the folder", () => {
    const all = elsewhere.flatMap((f) => sourceFiles(repoPath(f)));
    const unused: Record<string, string[]> = {};
    for (const door of doors) {
      const names = exportedNames(readFileSync(repoPath(door, 'index.ts'), 'utf8'));
      const doorPath = new RegExp(`(^|/)${door}/index\\.(ts|js)['"]`, 'm');
      const used = new Set<string>();
      for (const file of all) {
        if (path.relative(repoPath(door), file).split(path.sep)[0] !== '..') continue;
        const src = readFileSync(file, 'utf8');
        if (!doorPath.test(src)) continue;
        for (const w of src.match(/[A-Za-z_$][\w$]*/g) ?? []) used.add(w);
      }
      const left = names.filter((n) => !used.has(n));
      if (left.length > 0) unused[door] = left;
    }
    expect(unused, 'exported by a door, used by no other folder: drop them from index.ts').toEqual({});
  });

  it('the export reader sees every form', () => {
    expect(
      exportedNames(
        "export { a, b as c } from './x.ts';\nexport type { T, U as V } from './y.ts';\nexport { type W } from './w.ts';\nexport function f() {}\nexport const k = 1;",
      ),
    ).toEqual(['a', 'c', 'T', 'V', 'W', 'f', 'k']);
  });
});
