import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Ajv2020 from 'ajv/dist/2020.js';
import type { Command } from 'commander';
import ts from 'typescript';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { drillJsonSchema, loadDrill } from '../chaos/index.ts';
import { buildProgram, type CliContext } from '../cli/index.ts';
import { loadEnvConfig, repoPath } from '../common/index.ts';
import { parseSloObject } from '../reports/index.ts';
import { loadSuite, readDataFile, scenarioJsonSchema } from '../scenarios/index.ts';
import { parseAuthConfig, parseSuppressions } from '../security/index.ts';
import { stackStateSchema } from '../stack/index.ts';

/**
 * Every fenced example in README.md and docs/*.md is parsed here, so the
 * documentation cannot drift from the code: suite files are loaded by the real
 * loader and checked against schemas/scenario.schema.json, drill files likewise (schemas/drill.schema.json), SLO specs, auth
 * configs, suppressions and stack.json by their parsers, TypeScript must parse
 * and import names that exist, and every shell line that runs rampart is parsed
 * by the CLI's own commander definition (actions replaced by no-ops, so nothing
 * runs). A block that is not an example says so with the `text` language; a block
 * another needs (a data file) carries `file=<name>`.
 */
interface Block {
  doc: string;
  line: number;
  lang: string;
  file?: string;
  text: string;
}

const docs = [
  'README.md',
  ...readdirSync(repoPath('docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

function blocksOf(doc: string): Block[] {
  const lines = readFileSync(repoPath(doc), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(\S*)\s*(.*)$/.exec(lines[i] as string);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] as string); i++) body.push(lines[i] as string);
    const file = /(?:^|\s)file=(\S+)/.exec(open[2] as string)?.[1];
    out.push({
      doc,
      line: start + 1,
      lang: (open[1] as string).toLowerCase(),
      ...(file ? { file } : {}),
      text: body.join('\n'),
    });
  }
  return out;
}

const all = docs.flatMap(blocksOf);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The blocks of one document that carry a file name, written side by side (a suite and its users.csv). */
async function materialize(doc: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-docs-'));
  dirs.push(dir);
  for (const b of all.filter((x) => x.doc === doc && x.file))
    await writeFile(path.join(dir, b.file as string), `${b.text}\n`);
  return dir;
}

// ---------------------------------------------------------------- shell lines

/** Splits a shell line into words (quotes, escapes, $(...) kept whole); enough for documentation examples. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
      continue;
    }
    if (c === "'") {
      const j = line.indexOf("'", i + 1);
      cur += line.slice(i + 1, j);
      i = j;
      has = true;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      cur += line.slice(i + 1, j).replace(/\\(.)/g, '$1');
      i = j;
      has = true;
      continue;
    }
    if (c === '$' && line[i + 1] === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < line.length; j++) {
        if (line[j] === '(') depth++;
        else if (line[j] === ')' && --depth === 0) break;
      }
      cur += line.slice(i, j + 1);
      i = j;
      has = true;
      continue;
    }
    if (c === '#' && !has) break; // a comment
    if (/\s/.test(c)) {
      if (has) words.push(cur);
      cur = '';
      has = false;
      continue;
    }
    cur += c;
    has = true;
  }
  if (has) words.push(cur);
  return words;
}

/** The commands of a shell block: continuation lines joined, split on && ; |. */
function shellCommands(text: string): string[][] {
  const joined = text.replace(/\\\n\s*/g, ' ');
  return joined
    .split('\n')
    .flatMap((l) => l.split(/\s(?:&&|\|\||;|\|)\s/))
    .map(shellWords)
    .filter((w) => w.length > 0);
}

/** Placeholders a reader replaces: shell variables and <angle> names become something the parser accepts. */
const fill = (w: string) =>
  w
    .replace(/\$\(.*\)|\$\{?[A-Z_]+\}?/g, 'http://127.0.0.1:3000')
    .replace(/<[a-z-]+>/g, 'x')
    .replace(/…/g, 'x');

async function dryProgram(): Promise<{ program: Command; ran: string[][] }> {
  const sink = new PassThrough();
  const ctx: CliContext = {
    env: loadEnvConfig({}),
    vars: {},
    cwd: process.cwd(),
    stdout: sink,
    stderr: sink,
    signal: new AbortController().signal,
    exitCode: 0,
  };
  const program = await buildProgram(ctx);
  const ran: string[][] = [];
  const noOp = (cmd: Command) => {
    cmd.action((...args: unknown[]) => void ran.push([cmd.name(), ...args.filter((a) => typeof a === 'string')]));
    cmd.commands.forEach(noOp);
  };
  program.commands.forEach(noOp);
  return { program, ran };
}

const scripts = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;
/** Tools the examples call that are not rampart: the line is shown, not run or parsed. */
const otherTools = new Set([
  'curl',
  'k6',
  'docker',
  'docker-compose',
  'dockerd',
  'deploy/images/build-local.sh',
  'apt-get',
  'brew',
  'cat',
  'jq',
  'kill',
  'export',
  'echo',
]);

/** What a shell command in the docs runs, as rampart arguments; null when it is not rampart. Throws on a bad npm/node line. */
function rampartArgs(words: string[]): string[] | null {
  let w = words.map(fill);
  while (w.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[0] as string)) w = w.slice(1); // VAR=value prefixes
  if (w.length === 0) return null;
  const [cmd, ...rest] = w as [string, ...string[]];
  // Where rampart is installed (a project's devDependency) it is `npx rampart`: a bare `rampart` is not on PATH.
  if (cmd === 'rampart') throw new Error(`"${words.join(' ')}": write npx rampart, the command as it is installed`);
  if (cmd === 'npx' && rest[0] === 'rampart') return rest.slice(1);
  if (cmd === 'npm') {
    const [sub, ...more] = rest;
    if (sub === 'ci' || sub === 'install') return null;
    const name = sub === 'run' ? (more.shift() as string) : (sub as string);
    expect(scripts[name], `npm ${sub} ${name}: no such script in package.json`).toBeDefined();
    const extra = more[0] === '--' ? more.slice(1) : more;
    const script = scripts[name] as string;
    const viaBin = /^node (?:--[\w-]+(?:=\S+)? )*bin\/rampart\.js (.*)$/.exec(script); // node's flags, then the CLI's
    return viaBin ? [...shellWords(viaBin[1] as string), ...extra] : null;
  }
  if (cmd === 'node') {
    const file = rest.filter((a) => !a.startsWith('-') && a !== 'tsx').find((a) => /\.[cm]?[jt]s$/.test(a));
    expect(file && existsSync(repoPath(file)), `node ${rest.join(' ')}: no such file`).toBe(true);
    return null;
  }
  if (otherTools.has(cmd)) return null;
  throw new Error(
    `"${words.join(' ')}": not a command these examples know (npx rampart, npm, node, ${[...otherTools].join(', ')})`,
  );
}

async function parseWithCli(args: string[]): Promise<string[]> {
  const { program, ran } = await dryProgram();
  await program.parseAsync(['node', 'rampart', ...args]);
  expect(ran, `rampart ${args.join(' ')} names no command`).toHaveLength(1);
  return ran[0] as string[];
}

// ---------------------------------------------------------------- the examples

const validateSuiteSchema = new Ajv2020.default({ strict: false, logger: false }).compile(scenarioJsonSchema());
const validateDrillSchema = new Ajv2020.default({ strict: false, logger: false }).compile(drillJsonSchema());

async function checkYaml(b: Block): Promise<string> {
  const doc = parseYaml(b.text) as Record<string, unknown>;
  if (doc && 'scenarios' in doc) {
    expect(validateSuiteSchema(doc), JSON.stringify(validateSuiteSchema.errors)).toBe(true);
    const dir = await materialize(b.doc);
    const file = path.join(dir, b.file ?? 'suite.yaml');
    if (!b.file) await writeFile(file, b.text);
    for (const profile of ['quick', 'full'] as const) loadSuite(file, profile, { env: { CLIENT_NAME: 'docs' } });
    return 'suite';
  }
  if (doc && 'method' in doc && 'steadyState' in doc) {
    // A drill file: its JSON Schema, then the real loader (its load suite is another block of the same document).
    expect(validateDrillSchema(doc), JSON.stringify(validateDrillSchema.errors)).toBe(true);
    const dir = await materialize(b.doc);
    const file = path.join(dir, b.file ?? 'drill.yaml');
    if (!b.file) await writeFile(file, b.text);
    for (const profile of ['quick', 'full'] as const) loadDrill(file, profile, { env: { CATALOG_PID: '1' } });
    return 'drill';
  }
  if (doc && ('objectives' in doc || doc.kind === 'SloSpec')) {
    parseSloObject(doc, `${b.doc}:${b.line}`);
    return 'slo';
  }
  if (doc && ('openapiPath' in doc || 'login' in doc)) {
    parseAuthConfig(doc);
    return 'auth-config';
  }
  throw new Error('a YAML example of an unknown kind: teach test/docs-examples.test.ts its parser');
}

async function check(b: Block): Promise<string> {
  switch (b.lang) {
    case 'yaml':
    case 'yml':
      return checkYaml(b);
    case 'json': {
      const doc = JSON.parse(b.text) as Record<string, unknown>;
      if ('pids' in doc) {
        stackStateSchema.parse(doc);
        return 'stack.json';
      }
      throw new Error('a JSON example of an unknown kind: teach test/docs-examples.test.ts its parser');
    }
    case 'csv': {
      const dir = await materialize(b.doc);
      expect(readDataFile(path.join(dir, b.file ?? 'missing.csv')).length).toBeGreaterThan(0);
      return 'data file';
    }
    case 'tsv':
      expect(parseSuppressions(b.text, `${b.doc}:${b.line}`).length).toBeGreaterThan(0);
      return 'suppressions';
    case 'sh':
    case 'bash':
    case 'shell': {
      let n = 0;
      for (const words of shellCommands(b.text)) {
        const args = rampartArgs(words);
        if (args === null) continue;
        if (args.includes('--help') || args.includes('--version')) continue; // commander answers these itself
        await parseWithCli(args);
        n++;
      }
      return `${n} rampart command${n === 1 ? '' : 's'}`;
    }
    case 'ts':
    case 'typescript': {
      const out = ts.transpileModule(b.text, {
        reportDiagnostics: true,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      expect(out.diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')) ?? []).toEqual([]);
      for (const m of b.text.matchAll(/import \{([^}]+)\} from '\.\.\/([a-z]+)\/index\.ts'/g)) {
        const door = (await import(repoPath(m[2] as string, 'index.ts'))) as Record<string, unknown>;
        for (const name of (m[1] as string)
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s && !s.startsWith('type '))) {
          expect(door[name], `${name} is not exported by ${m[2]}/index.ts`).toBeDefined();
        }
      }
      return 'typescript';
    }
    case 'text':
      return 'not an example';
    default:
      throw new Error(
        `a fenced block without a known language ("${b.lang}"): label it (sh, yaml, json, csv, tsv, ts) or mark it \`text\``,
      );
  }
}

describe('documentation examples (README.md, docs/*.md)', () => {
  it('finds the examples', () => {
    expect(all.length).toBeGreaterThan(15);
  });

  it.each(all.map((b) => [`${b.doc}:${b.line} (${b.lang || 'no language'})`, b] as const))(
    '%s parses',
    async (_name, b) => {
      await expect(check(b)).resolves.toBeTypeOf('string');
    },
  );

  it('the dry parser does reject what the CLI rejects (an unknown flag, a bad choice)', async () => {
    await expect(parseWithCli(['stack', 'up', '--no-such-flag'])).rejects.toThrow(/unknown option/);
    await expect(parseWithCli(['stack', 'up', '--provider', 'kubernetes'])).rejects.toThrow(/invalid/i);
    expect(await parseWithCli(['stack', 'up', '--workers', '2'])).toEqual(['up']);
    expect(rampartArgs(shellWords('npm start -- --out x'))).toEqual(['gate', '--profile', 'quick', '--out', 'x']);
    expect(shellCommands('TOKEN=$(curl -s "a b") \\\n  rampart load "$TARGET/livez" --rate 5 # comment')).toEqual([
      ['TOKEN=$(curl -s "a b")', 'rampart', 'load', '$TARGET/livez', '--rate', '5'],
    ]);
  });
});
