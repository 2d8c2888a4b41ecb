import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError, formatIssues, repoPath, type Profile } from '../common/index.ts';
import { readDataFile } from './data-file.ts';
import { parseScenario, ScenarioInvalidError, type Scenario } from './schema/scenario.ts';
import { suiteFileSchema } from './schema/suite.ts';
import { renderEnvTemplates, type TemplateEnv } from './template.ts';

/**
 * Suites are data files in scenarios/suites/ (YAML); files starting with "_" are shared pieces they include.
 * Found from the repository root, so the compiled build (dist/scenarios/) finds them too.
 */
export const suitesDir = repoPath('scenarios', 'suites');

export interface Suite {
  name: string;
  description: string;
  profile: Profile;
  stack: { targetEnv: Record<string, string> };
  analysis?: 'knee' | 'recovery' | 'drift';
  scenarios: Scenario[];
}

export class SuiteNotFoundError extends InputError<'RAMPART_SUITE_NOT_FOUND'> {
  constructor(name: string) {
    super('RAMPART_SUITE_NOT_FOUND', `no suite named "${name}"`, {
      hint: `choose one of: ${listSuites().join(', ')} (or pass a path to a suite file)`,
    });
  }
}

export function listSuites(): string[] {
  return readdirSync(suitesDir)
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('_'))
    .map((f) => f.slice(0, -5))
    .sort();
}

function readYaml(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError('RAMPART_SUITE_UNREADABLE', `cannot read ${what} ${file}: ${(err as Error).message}`);
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { merge: true });
  } catch (err) {
    throw new InputError('RAMPART_SUITE_INVALID', `${what} ${file} is not valid YAML/JSON: ${(err as Error).message}`);
  }
}

export interface LoadSuiteOptions {
  /** Values for {{env.NAME}} placeholders (the CLI passes the environment it started with); none by default. */
  env?: TemplateEnv;
}

/** Replaces {{env.NAME}}; a variable that is not set is bad input naming the variable and where it is used. */
export function fillEnvTemplates(doc: unknown, env: TemplateEnv, file: string, at = ''): unknown {
  const { value, missing } = renderEnvTemplates(doc, env, at);
  if (missing.length > 0) {
    const names = [...new Set(missing.map((m) => m.name))];
    throw new InputError(
      'RAMPART_ENV_VARIABLE_MISSING',
      `${file} uses ${missing.map((m) => `{{env.${m.name}}} (at ${m.path})`).join(', ')}, but ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} not set`,
      {
        hint: `set ${names.map((n) => `${n}=…`).join(' ')} in the environment of rampart`,
      },
    );
  }
  return value;
}

/**
 * The environment a scenario's templates read: its own `env` (k6's scenario env) over the given one. An
 * environment that leaves {{env.NAME}} as it is (the k6 export's) keeps doing so: k6 gives the script the
 * scenario's env through options.scenarios[name].env.
 */
function scenarioEnv(env: TemplateEnv, own: unknown): TemplateEnv {
  if (own === null || typeof own !== 'object' || Array.isArray(own)) return env;
  const values = own as Record<string, unknown>;
  return new Proxy(
    {},
    {
      get: (_t, name) => {
        if (typeof name !== 'string') return undefined;
        const outer = env[name];
        if (outer === `{{env.${name}}}`) return outer;
        const v = values[name];
        return typeof v === 'string' ? v : outer;
      },
    },
  );
}

/** A scenario's `users: { file: … }` read into rows (path relative to the file that names it). */
function resolveUsers(users: unknown, baseDir: string): unknown {
  if (
    users === null ||
    typeof users !== 'object' ||
    Array.isArray(users) ||
    typeof (users as { file?: unknown }).file !== 'string'
  )
    return users;
  return readDataFile(path.resolve(baseDir, (users as { file: string }).file));
}

/** A suite by name (scenarios/suites/<name>.yaml) or by file path, with the profile's values applied and every scenario validated. */
export function loadSuite(nameOrFile: string, profile: Profile = 'quick', options: LoadSuiteOptions = {}): Suite {
  const isFile = /[/\\]|\.ya?ml$|\.json$/.test(nameOrFile);
  const file = isFile ? path.resolve(nameOrFile) : path.join(suitesDir, `${nameOrFile}.yaml`);
  if (!isFile && !listSuites().includes(nameOrFile)) throw new SuiteNotFoundError(nameOrFile);
  const env = options.env ?? {};
  const doc = readYaml(file, 'suite');
  // Each scenario's templates first, with its own env over the environment; then the rest of the file.
  const docScenarios = (doc as { scenarios?: unknown } | null)?.scenarios;
  if (Array.isArray(docScenarios)) {
    (doc as { scenarios: unknown[] }).scenarios = docScenarios.map((sc: unknown, i) => {
      if (sc === null || typeof sc !== 'object' || Array.isArray(sc)) return sc;
      const { env: own, ...rest } = sc as Record<string, unknown>;
      const filled = fillEnvTemplates(rest, scenarioEnv(env, own), file, `scenarios[${i}]`) as Record<string, unknown>;
      return own === undefined ? filled : { ...filled, env: own };
    });
  }
  const raw = fillEnvTemplates(doc, env, file);
  const parsed = suiteFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ScenarioInvalidError(`suite ${file} is invalid:\n  ${formatIssues(parsed.error).join('\n  ')}`);
  }
  const s = parsed.data;
  const includeFile = s.include ? path.resolve(path.dirname(file), s.include) : undefined;
  const sharedRaw = includeFile ? readYaml(includeFile, 'included file') : {};
  const overrides = s.profiles[profile];
  const scenarios = s.scenarios.map((sc, i) => {
    const name = typeof sc.name === 'string' ? sc.name : String(i);
    const merged: Record<string, unknown> = { ...sc, ...(overrides[name] ?? {}) };
    // The included flows, setup, teardown and users read this scenario's env (only the parts it takes are filled).
    const inc = (sharedRaw ?? {}) as Record<string, unknown>;
    const taken = Object.fromEntries(
      ['flows', 'setup', 'teardown', 'users']
        .filter((k) => merged[k] === undefined && inc[k] !== undefined)
        .map((k) => [k, inc[k]]),
    );
    const shared = includeFile
      ? (fillEnvTemplates(taken, scenarioEnv(env, sc.env), includeFile) as Record<string, unknown>)
      : {};
    if (merged.flows === undefined && shared.flows !== undefined) merged.flows = shared.flows;
    if (merged.setup === undefined && shared.setup !== undefined) merged.setup = shared.setup;
    if (merged.teardown === undefined && shared.teardown !== undefined) merged.teardown = shared.teardown;
    if (merged.users !== undefined) merged.users = resolveUsers(merged.users, path.dirname(file));
    else if (shared.users !== undefined && includeFile)
      merged.users = resolveUsers(shared.users, path.dirname(includeFile));
    return parseScenario(merged, `suite ${s.name} (${file}) scenarios[${i}]`);
  });
  const out: Suite = {
    name: s.name,
    description: s.description,
    profile,
    stack: { targetEnv: s.stack.targetEnv },
    scenarios,
  };
  if (s.analysis) out.analysis = s.analysis;
  return out;
}
