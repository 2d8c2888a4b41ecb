import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodes, errorForCode, rampartErrorCodes, repoPath, type RampartErrorCode } from '../common/index.ts';
import { exitCodeFor, exitCodeForError } from './exit-codes.ts';

/** The code table of docs/errors.md: code → documented exit code. */
function documentedCodes(): Map<string, number> {
  const doc = readFileSync(repoPath('docs', 'errors.md'), 'utf8');
  return new Map([...doc.matchAll(/^\| `([A-Z0-9_]+)` \| (\d+) \|/gm)].map((m) => [m[1] as string, Number(m[2])]));
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') return [];
    return statSync(full).isDirectory() ? tsFiles(full) : name.endsWith('.ts') ? [full] : [];
  });
}

// Environment variables that share the prefix; they are not error codes.
const environmentVariables = new Set(['RAMPART_FROM_SOURCE', 'RAMPART_LOG_LEVEL', 'RAMPART_TOKEN', 'RAMPART_COOKIE']);

describe('error codes', () => {
  it('every code of the list has an exit code by its category, and docs/errors.md documents that exit code', () => {
    const documented = documentedCodes();
    for (const code of rampartErrorCodes) {
      const exit = exitCodeForError(errorForCode(code, 'x'));
      expect(documented.get(code), `${code} (${errorCodes[code]}) in docs/errors.md`).toBe(exit);
    }
  });

  it('docs/errors.md documents no code that is not in the list', () => {
    const listed = new Set<string>(rampartErrorCodes);
    expect([...documentedCodes().keys()].filter((c) => !listed.has(c))).toEqual([]);
  });

  it('no source file or test names a code that is not in the list (a misspelt code fails here as well as in tsc)', () => {
    const listed = new Set<string>(rampartErrorCodes);
    const unknown: string[] = [];
    for (const folder of [
      'bin',
      'cli',
      'common',
      'target',
      'stack',
      'proxy',
      'scenarios',
      'chaos',
      'security',
      'reports',
      'test',
      'bench',
    ]) {
      let files: string[];
      try {
        files = tsFiles(repoPath(folder));
      } catch {
        continue;
      }
      for (const file of files) {
        for (const m of readFileSync(file, 'utf8').matchAll(/['"`]((?:RAMPART|TARGET)_[A-Z0-9_]+)['"`]/g)) {
          const name = m[1] as string;
          if (!listed.has(name) && !environmentVariables.has(name))
            unknown.push(`${path.relative(repoPath(), file)}: ${name}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  it('a code that crossed a process boundary becomes the error of its category', () => {
    const codes: RampartErrorCode[] = ['RAMPART_CONFIG_INVALID', 'RAMPART_PORT_IN_USE', 'RAMPART_INTERRUPTED'];
    expect(codes.map((c) => exitCodeForError(errorForCode(c, 'x')))).toEqual([2, 3, 105]);
  });
});

describe('exit code of an outcome', () => {
  it('0 only for a PASS; FAIL, INCONCLUSIVE and nothing judged are 1; an environment failure under the run is 3 whatever the verdict', () => {
    expect(exitCodeFor({ verdict: 'pass' })).toBe(0);
    expect([
      exitCodeFor({ verdict: 'fail' }),
      exitCodeFor({ verdict: 'inconclusive' }),
      exitCodeFor({ verdict: null }),
    ]).toEqual([1, 1, 1]);
    expect([
      exitCodeFor({ verdict: 'pass', environmentFailed: true }),
      exitCodeFor({ verdict: 'fail', environmentFailed: true }),
    ]).toEqual([3, 3]);
  });
});
