import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { z } from 'zod';
import { InputError, formatPath } from '../common/index.ts';
import { fromOpenSlo, openSloSchema } from './openslo.ts';
import { sloSpecSchema, type SloSpec } from './slo-spec.ts';

/** A malformed SLO file: the message names the file, line and key of every problem. */
export class SloFileInvalidError extends InputError<'RAMPART_SLO_INVALID'> {
  constructor(message: string, problems: string[]) {
    super('RAMPART_SLO_INVALID', message, {
      hint: 'fix the named key (see docs/reports.md for the objective kinds and their fields)',
      details: { problems },
    });
  }
}

type Path = ReadonlyArray<PropertyKey>;

/** The line of the deepest node that exists along `p` (a missing key points at its parent). */
function lineOf(doc: Document, counter: LineCounter, p: Path): number | null {
  for (let n = p.length; n >= 0; n--) {
    const node = doc.getIn(p.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return counter.linePos(node.range[0]).line;
  }
  return null;
}

function issuesAt(
  file: string,
  doc: Document,
  counter: LineCounter,
  prefix: Path,
  issues: { path: Path; message: string }[],
): string[] {
  return issues.map((i) => {
    const line = lineOf(doc, counter, i.path);
    const key = formatPath([...prefix, ...i.path]);
    return `${file}:${line ?? '?'}: key ${key}: ${i.message}`;
  });
}

const zIssues = (e: z.ZodError) => e.issues.map((i) => ({ path: i.path as Path, message: i.message }));

/** Parses SLO spec text (YAML, one or more documents: a rampart SloSpec and/or OpenSLO v1 SLOs). */
export function parseSloYaml(text: string, file = 'slo.yaml'): SloSpec {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  const problems: string[] = [];
  for (const doc of list) {
    for (const err of doc.errors) {
      const pos = err.linePos?.[0] ?? counter.linePos(err.pos[0]);
      problems.push(`${file}:${pos?.line ?? '?'}:${pos?.col ?? '?'}: YAML syntax: ${err.message.split('\n')[0]}`);
    }
  }
  if (problems.length > 0)
    throw new SloFileInvalidError(`${file} is not valid YAML:\n  ${problems.join('\n  ')}`, problems);

  let specInput: Record<string, unknown> | null = null;
  let specDoc: Document | null = null;
  const imported: unknown[] = [];
  for (const doc of list) {
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const kind = (value as { kind?: unknown }).kind;
    if (kind === 'SLO') {
      const parsed = openSloSchema.safeParse(value);
      if (!parsed.success) {
        problems.push(...issuesAt(file, doc, counter, [], zIssues(parsed.error)));
        continue;
      }
      const { objectives, problems: p } = fromOpenSlo(parsed.data);
      problems.push(...issuesAt(file, doc, counter, [], p));
      imported.push(...objectives);
    } else if (specInput === null && typeof value === 'object' && !Array.isArray(value)) {
      specInput = value as Record<string, unknown>;
      specDoc = doc;
    } else {
      problems.push(
        `${file}:${lineOf(doc, counter, []) ?? '?'}: key kind: expected a rampart SloSpec or an OpenSLO "kind: SLO" document`,
      );
    }
  }
  if (problems.length > 0) throw new SloFileInvalidError(`${file} is invalid:\n  ${problems.join('\n  ')}`, problems);

  const own = specInput?.objectives;
  // A non-list `objectives` is passed on unchanged so zod names its type at its line.
  const objectives = Array.isArray(own) ? [...own, ...imported] : own === undefined ? imported : own;
  const input = { ...(specInput ?? {}), objectives };
  const parsed = sloSpecSchema.safeParse(input);
  if (!parsed.success) {
    const lines = specDoc
      ? issuesAt(file, specDoc, counter, [], zIssues(parsed.error))
      : zIssues(parsed.error).map((i) => `${file}: key ${formatPath(i.path)}: ${i.message}`);
    throw new SloFileInvalidError(`${file} is invalid:\n  ${lines.join('\n  ')}`, lines);
  }
  return parsed.data;
}

/** Validates an SLO spec given as an object (a TS spec file's default export, or one stored in a run record). */
export function parseSloObject(value: unknown, what = 'SLO spec'): SloSpec {
  const parsed = sloSpecSchema.safeParse(value);
  if (!parsed.success) {
    const lines = zIssues(parsed.error).map((i) => `key ${formatPath(i.path)}: ${i.message}`);
    throw new SloFileInvalidError(`${what} is invalid:\n  ${lines.join('\n  ')}`, lines);
  }
  return parsed.data;
}

/** Loads slo.yaml / .yml (YAML, OpenSLO accepted) or slo.ts / .js (default export). */
export async function loadSloSpec(file: string): Promise<SloSpec> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.ts' || ext === '.js' || ext === '.mjs' || ext === '.mts') {
    let mod: { default?: unknown; slo?: unknown };
    try {
      mod = (await import(pathToFileURL(path.resolve(file)).href)) as { default?: unknown; slo?: unknown };
    } catch (err) {
      throw new InputError('RAMPART_SLO_UNREADABLE', `cannot load SLO spec ${file}: ${(err as Error).message}`, {
        cause: err,
        hint: 'the file must exist and `export default` an SLO spec object',
      });
    }
    return parseSloObject(mod.default ?? mod.slo, file);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError('RAMPART_SLO_UNREADABLE', `cannot read SLO spec ${file}: ${(err as Error).message}`, {
      cause: err,
      hint: 'pass --slo with the path of an slo.yaml file',
    });
  }
  return parseSloYaml(text, file);
}
