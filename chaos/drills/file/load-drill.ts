import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError, formatIssues, parseDuration, repoPath, type Profile } from '../../../common/index.ts';
import { fillEnvTemplates, loadSuite, type Scenario, type TemplateEnv } from '../../../scenarios/index.ts';
import { actionOf } from '../faults/registry.ts';
import type { Drill, Objective, StopCondition } from '../types.ts';
import { drillFileSchema, metricKeys, type DrillFile, type ObjectiveEntry } from './schema.ts';

/** The bundled drills (SocialConnect's): drill files like any other; files starting with "_" are pieces they use. */
export const bundledDrillsDir = repoPath('chaos', 'drills', 'files');

export class UnknownDrillError extends InputError<'RAMPART_UNKNOWN_DRILL'> {
  constructor(name: string) {
    super('RAMPART_UNKNOWN_DRILL', `no drill named "${name}"`, {
      hint: `choose one of: ${listBundledDrills().join(', ')}, or give a drill file (my-drill.yaml)`,
    });
  }
}

export class DrillInvalidError extends InputError<'RAMPART_DRILL_INVALID'> {
  constructor(message: string) {
    super('RAMPART_DRILL_INVALID', message, {
      hint: 'docs/chaos.md describes the drill file; schemas/drill.schema.json lets an editor check it',
    });
  }
}

export function listBundledDrills(): string[] {
  return readdirSync(bundledDrillsDir)
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('_'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** A name (a bundled drill) or a path (a drill file someone wrote). */
export function isDrillFile(nameOrFile: string): boolean {
  return /[/\\]|\.ya?ml$|\.json$/.test(nameOrFile);
}

function readDrillFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError('RAMPART_DRILL_UNREADABLE', `cannot read drill file ${file}: ${(err as Error).message}`, {
      hint: 'check the path (relative to where rampart runs)',
    });
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { merge: true });
  } catch (err) {
    throw new InputError(
      'RAMPART_DRILL_UNREADABLE',
      `drill file ${file} is not valid YAML/JSON: ${(err as Error).message}`,
    );
  }
}

const isPlain = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Profile changes merged into the file: objects key by key, lists and values replace. */
export function mergeProfile(base: unknown, change: unknown): unknown {
  if (!isPlain(base) || !isPlain(change)) return change;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(change)) out[k] = k in base ? mergeProfile(base[k], v) : v;
  return out;
}

const seconds = (d: string | number) => parseDuration(d) / 1000;
const ms = (d: string | number) => (typeof d === 'number' ? d : parseDuration(d));
/** 99.9 % is 0.999, not 0.9990000000000001 (a bound a hair stricter than written). */
const exact = (x: number) => Number(x.toPrecision(12));
const share = (v: string | number) => (typeof v === 'number' ? v : exact(Number(v.replace('%', '').trim()) / 100));
const pct = (v: number) => `${Number((v * 100).toFixed(3))} %`;

/** Each metric of an entry is one objective, named by the entry (one metric) or by tag and metric. */
export function expandObjectives(entry: ObjectiveEntry): Objective[] {
  const out: Objective[] = [];
  const add = (metric: Objective['metric'], op: Objective['op'], value: number, words: string) =>
    out.push({ name: entry.name ?? `${entry.tag}: ${words}`, tag: entry.tag, metric, op, value });
  for (const key of metricKeys) {
    const v = entry[key];
    if (v === undefined) continue;
    switch (key) {
      case 'availability':
        add('availability', '>=', share(v), `available at least ${pct(share(v))}`);
        break;
      case 'errorRate':
        add('availability', '>=', exact(1 - share(v)), `error rate at most ${pct(share(v))}`);
        break;
      case 'success':
        add('success', '>=', share(v), `succeed at least ${pct(share(v))}`);
        break;
      case 'fastFail':
        add('fastFail', '>=', share(v), `failures answer 503 with Retry-After at least ${pct(share(v))}`);
        break;
      case 'timeouts':
        add('timeouts', '<=', v as number, v === 0 ? 'no request hangs' : `at most ${v} requests hang`);
        break;
      default:
        add(key, '<=', ms(v), `${key} within ${ms(v)} ms`);
    }
  }
  return out;
}

/** The request tags the scenario's steps send (a step's name, or "<METHOD> <path>"). */
function requestTags(s: Scenario): string[] {
  return [...new Set(s.flows.flatMap((f) => f.steps.map((st) => st.name ?? `${st.method} ${st.path}`)))];
}

/** The drill's load: the suite's scenario, run until the drill stops it, judged by the drill's windows alone. */
function drillScenario(
  doc: DrillFile,
  file: string,
  profile: Profile,
  env: TemplateEnv,
): { suite: string; scenario: Scenario; targetEnv: Record<string, string> } {
  const suiteFile = path.resolve(path.dirname(file), doc.load.suite);
  const suite = loadSuite(suiteFile, profile, { env });
  const picked =
    doc.load.scenario === undefined ? suite.scenarios[0] : suite.scenarios.find((s) => s.name === doc.load.scenario);
  if (!picked) {
    throw new DrillInvalidError(
      `${file}: load.scenario "${doc.load.scenario}" is not in suite ${suiteFile} (it has: ${suite.scenarios.map((s) => s.name).join(', ')})`,
    );
  }
  if (picked.executor !== 'constant-arrival-rate' && picked.executor !== 'constant-vus') {
    throw new DrillInvalidError(
      `${file}: the drill's load must hold steady, but scenario ${picked.name} is ${picked.executor}; use constant-arrival-rate (open model) or constant-vus`,
    );
  }
  if (doc.load.rate !== undefined && picked.executor !== 'constant-arrival-rate') {
    throw new DrillInvalidError(
      `${file}: load.rate needs a constant-arrival-rate scenario; ${picked.name} is ${picked.executor}`,
    );
  }
  // The drill stops the load; an hour only bounds a drill that is never stopped. Its own windows judge it, so the
  // suite's thresholds (an abortOnFail would end the load mid-drill) and sliding windows do not apply.
  const scenario = {
    ...picked,
    duration: '1h',
    thresholds: {},
    thresholdWindows: [],
    ...(doc.load.rate !== undefined ? { rate: doc.load.rate, timeUnit: '1s' } : {}),
  } as Scenario;
  return { suite: suiteFile, scenario, targetEnv: suite.stack.targetEnv };
}

/** Every tag an objective or a reconciliation names must be sent by the load (or be a group, or all). */
function checkTags(doc: DrillFile, file: string, tags: string[]): void {
  const known = new Set([...tags, ...Object.keys(doc.groups), 'all']);
  const named: Array<[string, string]> = [
    ...[...doc.steadyState.objectives, ...doc.during.objectives, ...doc.after.objectives, ...doc.stopWhen].map(
      (o) => [o.tag, 'objective'] as [string, string],
    ),
    ...doc.reconcile.map((r) => [r.writes, 'reconcile.writes'] as [string, string]),
  ];
  for (const [group, members] of Object.entries(doc.groups))
    for (const m of members) named.push([m, `groups.${group}`]);
  for (const [tag, where] of named) {
    if (!known.has(tag) || (where !== 'objective' && (tag === 'all' || tag in doc.groups))) {
      throw new DrillInvalidError(
        `${file}: ${where} names tag "${tag}", which the load does not send; its request tags: ${tags.join(', ')}${where === 'objective' ? `${Object.keys(doc.groups).length ? `; groups: ${Object.keys(doc.groups).join(', ')}` : ''}; or all` : ''}`,
      );
    }
  }
}

export interface LoadDrillOptions {
  /** Values for {{env.NAME}} placeholders in the drill file and its suite (the CLI passes its environment). */
  env?: TemplateEnv;
}

/** A drill by name (a bundled drill file) or by path, with the profile's changes applied, validated whole. */
export function loadDrill(nameOrFile: string, profile: Profile = 'quick', options: LoadDrillOptions = {}): Drill {
  const isFile = isDrillFile(nameOrFile);
  if (!isFile && !listBundledDrills().includes(nameOrFile)) throw new UnknownDrillError(nameOrFile);
  const file = isFile ? path.resolve(nameOrFile) : path.join(bundledDrillsDir, `${nameOrFile}.yaml`);
  const raw = readDrillFile(file);
  const base = drillFileSchema.safeParse(raw);
  if (!base.success)
    throw new DrillInvalidError(`drill file ${file} is invalid:\n  ${formatIssues(base.error).join('\n  ')}`);
  const { profiles, ...rest } = raw as Record<string, unknown>;
  const merged = mergeProfile(rest, (profiles as Record<string, unknown> | undefined)?.[profile] ?? {});
  const env = options.env ?? {};
  const withEnv = fillEnvTemplates(merged, env, file);
  const parsed = drillFileSchema.safeParse(withEnv);
  if (!parsed.success)
    throw new DrillInvalidError(
      `drill file ${file} (profile ${profile}) is invalid:\n  ${formatIssues(parsed.error).join('\n  ')}`,
    );
  const doc = parsed.data;
  const load = drillScenario(doc, file, profile, env);
  checkTags(doc, file, requestTags(load.scenario));
  const method = doc.method.map((m) => ({
    label: m.name,
    at: seconds(m.at),
    duration: seconds(m.duration),
    action: actionOf(m),
  }));
  const stopConditions: StopCondition[] = doc.stopWhen.flatMap(({ window, ...o }) =>
    expandObjectives(o).map((objective) => ({ objective, windowSeconds: seconds(window) })),
  );
  return {
    name: doc.name,
    title: doc.title ?? doc.name,
    description: doc.description,
    file,
    profile,
    load: { suite: load.suite, scenario: load.scenario, warmUpSeconds: seconds(doc.load.warmUp) },
    stack: { targetEnv: load.targetEnv },
    groups: doc.groups,
    steadySeconds: seconds(doc.steadyState.duration),
    steadyState: doc.steadyState.objectives.flatMap(expandObjectives),
    method,
    during: doc.during.objectives.flatMap(expandObjectives),
    observeSeconds: seconds(doc.after.duration),
    after: doc.after.objectives.flatMap(expandObjectives),
    recoverWithinSeconds: seconds(doc.recovery.within),
    stopConditions,
    probes: doc.probes.map((p) => ({ ...p, at: seconds(p.at) })),
    reconcile: doc.reconcile,
  };
}

/** Name, title and description of each bundled drill (`rampart drill --list`), read without loading its suite. */
export function describeBundledDrills(): Array<Pick<Drill, 'name' | 'title' | 'description'>> {
  return listBundledDrills().map((name) => {
    const raw = readDrillFile(path.join(bundledDrillsDir, `${name}.yaml`)) as Partial<DrillFile>;
    return { name, title: raw.title ?? name, description: raw.description ?? '' };
  });
}
