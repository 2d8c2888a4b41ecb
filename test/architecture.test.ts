import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../common/index.ts';

/**
 * The layers the README's design section draws, held by a test: production code of
 * the top-level folders imports without cycles (static and dynamic imports alike).
 * Test-only code (test/test-only-code.json, the one list ESLint and the build read too) may reach
 * across layers and is left out.
 */
const folders = ['cli', 'session', 'common', 'chaos', 'proxy', 'reports', 'scenarios', 'security', 'stack', 'target'];
const testOnlyPatterns = (
  JSON.parse(readFileSync(repoPath('test', 'test-only-code.json'), 'utf8')) as { patterns: string[] }
).patterns;

/** A pattern of the list as a regular expression over a repository-relative path: `**\/` any folders, `**` anything below, `*` within a name. */
export function globRegex(glob: string): RegExp {
  const body = glob
    .split(/(\*\*\/|\*\*|\*)/)
    .map((part) => {
      if (part === '**/') return '(?:.*/)?';
      if (part === '**') return '.*';
      if (part === '*') return '[^/]*';
      return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}$`);
}
const testOnly = testOnlyPatterns.map(globRegex);
const isTestSupport = (f: string) => testOnly.some((re) => re.test(f.split(path.sep).join('/')));

/** Every non-TypeScript file below `dir` (fixtures of data count as test-only code too). */
function dataFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory()
      ? name === 'node_modules'
        ? []
        : dataFiles(full)
      : name.endsWith('.ts')
        ? []
        : [full];
  });
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...tsFiles(full));
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/**
 * folder → the folders its production files import, with one example file per edge. `base` is the folder
 * whose sub-folders `list` names (the repository by default; `target` for the backend's components).
 */
export function folderGraph(root: string, base = '', list = folders): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>(list.map((f) => [f, new Map()]));
  const baseDir = path.join(root, base);
  for (const folder of list) {
    for (const file of tsFiles(path.join(baseDir, folder))) {
      const rel = path.relative(root, file);
      if (isTestSupport(rel)) continue;
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(
        /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g,
      )) {
        const spec = m[1] ?? m[2] ?? '';
        const target = path.relative(baseDir, path.resolve(path.dirname(file), spec)).split(path.sep)[0] ?? '';
        if (target !== folder && list.includes(target)) graph.get(folder)?.set(target, rel);
      }
    }
  }
  return graph;
}

function findCycle(graph: Map<string, Map<string, string>>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'visiting') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'visiting');
    stack.push(n);
    for (const next of graph.get(n)?.keys() ?? []) {
      const c = visit(next);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

describe('architecture', () => {
  it('no import cycle between top-level folders', () => {
    const graph = folderGraph(repoPath());
    const cycle = findCycle(graph);
    const where = cycle
      ? cycle
          .slice(1)
          .map((to, i) => `${cycle[i]} → ${to} (${graph.get(cycle[i] as string)?.get(to)})`)
          .join(', ')
      : '';
    expect(cycle, `import cycle: ${where}`).toBeNull();
  });

  it('no import cycle between the components of target/, and target/platform below them all', () => {
    const components = readdirSync(repoPath('target')).filter(
      (n) => statSync(repoPath('target', n)).isDirectory() && n !== 'migrations',
    );
    expect(components).toContain('platform');
    const graph = folderGraph(repoPath(), 'target', components);
    const cycle = findCycle(graph);
    const where = cycle
      ? cycle
          .slice(1)
          .map((to, i) => `${cycle[i]} → ${to} (${graph.get(cycle[i] as string)?.get(to)})`)
          .join(', ')
      : '';
    expect(cycle, `import cycle: ${where}`).toBeNull();
    expect([...graph.get('platform')!.keys()], 'target/platform imports a component').toEqual([]);
  });

  it('production code imports no test-only code (testing.ts doors, testing/ folders, test apps, fixtures: the list)', () => {
    const offenders: string[] = [];
    for (const folder of folders) {
      for (const file of tsFiles(repoPath(folder))) {
        const rel = path.relative(repoPath(), file);
        if (isTestSupport(rel)) continue;
        for (const m of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\(\s*)['"](\.[^'"]+)['"]/g)) {
          const spec = m[1] ?? '';
          if (isTestSupport(path.relative(repoPath(), path.resolve(path.dirname(file), spec))))
            offenders.push(`${rel} → ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('test-only code is one list: the build excludes exactly its patterns, and each pattern names files that exist', () => {
    const build = parseJsonc(readFileSync(repoPath('tsconfig.build.json'), 'utf8')) as { exclude: string[] };
    expect(build.exclude.filter((p) => !['node_modules', 'dist', 'reports/out'].includes(p))).toEqual(testOnlyPatterns);
    const all = folders
      .flatMap((f) => [...tsFiles(repoPath(f)), ...dataFiles(repoPath(f))])
      .map((f) => path.relative(repoPath(), f).split(path.sep).join('/'));
    for (const [i, re] of testOnly.entries())
      expect(
        all.some((f) => re.test(f)),
        `${testOnlyPatterns[i]} matches nothing: drop it from the list`,
      ).toBe(true);
    expect(
      isTestSupport('security/test-apps/vulnerable-app.ts') &&
        isTestSupport('stack/fixtures/hold-servers.ts') &&
        isTestSupport('target/feature-testing.ts'),
    ).toBe(true);
    expect(isTestSupport('security/run-scan.ts') || isTestSupport('cli/flags.ts')).toBe(false);
  });

  it('the check finds a cycle when there is one', () => {
    const graph = new Map([
      ['a', new Map([['b', 'a/x.ts']])],
      ['b', new Map([['a', 'b/y.ts']])],
    ]);
    expect(findCycle(graph)).toEqual(['a', 'b', 'a']);
  });

  it('proxy/ is below stack/ and chaos/: it imports only common/, and chaos/ reaches it through the Toxiproxy API, not imports', () => {
    const graph = folderGraph(repoPath());
    expect([...graph.get('proxy')!.keys()]).toEqual(['common']);
    expect(graph.get('stack')!.has('proxy')).toBe(true);
    expect(graph.get('chaos')!.has('proxy')).toBe(false);
  });

  it('common/ is the bottom layer and cli/ the top: nothing imports cli, common imports nothing', () => {
    const graph = folderGraph(repoPath());
    expect([...graph.get('common')!.keys()]).toEqual([]);
    for (const [from, edges] of graph) expect(edges.has('cli'), `${from} imports cli/`).toBe(false);
  });
});
