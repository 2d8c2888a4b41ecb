import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError, formatIssues, repoPath } from '../common/index.ts';
import { parseScenario, ScenarioInvalidError, type Scenario } from './schema/scenario.ts';

/**
 * Suites are data files in scenarios/suites/ (YAML); files starting with "_" are shared pieces they include.
 * Found from the repository root, so the compiled build (dist/scenarios/) finds them too.
 */
export const suitesDir = repoPath('scenarios', 'suites');

export type Profile = 'quick' | 'full';
export const profiles = ['quick', 'full'] as const;

const suiteFileSchema = z.object({
  name: z.string(),
  description: z.string(),
  /** What the managed stack must be started with for this suite (e.g. raised rate limits for capacity runs). */
  stack: z.object({ targetEnv: z.record(z.string(), z.string()).default({}) }).strict().default({ targetEnv: {} }),
  /** A shared file whose `setup` and `flows` fill scenarios that do not define their own. */
  include: z.string().optional(),
  /** Post-run analysis: the stress knee, the spike recovery time, the soak drift. */
  analysis: z.enum(['knee', 'recovery', 'drift']).optional(),
  scenarios: z.array(z.record(z.string(), z.unknown())).min(1),
  /** Per profile, per scenario name: top-level fields that replace the scenario's. */
  profiles: z.object({
    quick: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    full: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  }).strict().default({ quick: {}, full: {} }),
}).strict();

export interface Suite {
  name: string;
  description: string;
  profile: Profile;
  stack: { targetEnv: Record<string, string> };
  analysis?: 'knee' | 'recovery' | 'drift';
  scenarios: Scenario[];
}

export class SuiteNotFoundError extends InputError {
  constructor(name: string) {
    super('RAMPART_SUITE_NOT_FOUND', `no suite named "${name}"`, { hint: `choose one of: ${listSuites().join(', ')} (or pass a path to a suite file)` });
  }
}

export function listSuites(): string[] {
  return readdirSync(suitesDir).filter((f) => f.endsWith('.yaml') && !f.startsWith('_')).map((f) => f.slice(0, -5)).sort();
}

function readYaml(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError('RAMPART_SUITE_UNREADABLE', `cannot read ${what} ${file}: ${(err as Error).message}`);
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new InputError('RAMPART_SUITE_INVALID', `${what} ${file} is not valid YAML/JSON: ${(err as Error).message}`);
  }
}

/** A suite by name (scenarios/suites/<name>.yaml) or by file path, with the profile's values applied and every scenario validated. */
export function loadSuite(nameOrFile: string, profile: Profile = 'quick'): Suite {
  const isFile = /[/\\]|\.ya?ml$|\.json$/.test(nameOrFile);
  const file = isFile ? path.resolve(nameOrFile) : path.join(suitesDir, `${nameOrFile}.yaml`);
  if (!isFile && !listSuites().includes(nameOrFile)) throw new SuiteNotFoundError(nameOrFile);
  const raw = readYaml(file, 'suite');
  const parsed = suiteFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ScenarioInvalidError(`suite ${file} is invalid:\n  ${formatIssues(parsed.error).join('\n  ')}`);
  }
  const s = parsed.data;
  const shared = s.include ? (readYaml(path.resolve(path.dirname(file), s.include), 'included file') as Record<string, unknown>) : {};
  const overrides = s.profiles[profile];
  const scenarios = s.scenarios.map((sc, i) => {
    const name = typeof sc.name === 'string' ? sc.name : String(i);
    const merged: Record<string, unknown> = { ...sc, ...(overrides[name] ?? {}) };
    if (merged.flows === undefined && shared.flows !== undefined) merged.flows = shared.flows;
    if (merged.setup === undefined && shared.setup !== undefined) merged.setup = shared.setup;
    return parseScenario(merged, `suite ${s.name} (${file}) scenarios[${i}]`);
  });
  const out: Suite = { name: s.name, description: s.description, profile, stack: { targetEnv: s.stack.targetEnv }, scenarios };
  if (s.analysis) out.analysis = s.analysis;
  return out;
}
