import { readFileSync } from 'node:fs';
import { repoPath } from '../common/index.ts';

/**
 * The code of a TypeScript example in docs/extending.md (the block whose first line is `// <file>…`) and of the
 * file a test runs it from, compared without imports, comments and blank lines: the imports differ only by the
 * folder the test's copy sits in (`testing/`), and the copy says in a comment that it is the guide's example.
 */
export function codeLines(text: string): string[] {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('//'))
    .join('\n')
    .replace(/^import [\s\S]*?;$/gm, '')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** The guide's example block that starts with `// <file>`. */
export function guideExample(file: string): string {
  const guide = readFileSync(repoPath('docs', 'extending.md'), 'utf8');
  const block = [...guide.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].find((m) => (m[1] as string).startsWith(`// ${file}`));
  if (!block) throw new Error(`docs/extending.md has no ts example starting with "// ${file}"`);
  return block[1] as string;
}

/** The code of a file of the repository. */
export const fileCode = (...segments: string[]) => codeLines(readFileSync(repoPath(...segments), 'utf8'));
