import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../common/index.ts';
import { loadDrill } from '../../chaos/index.ts';
import { loadSloSpec } from '../../reports/index.ts';
import { loadSuite } from '../../scenarios/index.ts';
import { renderStarter, starterFiles, SUITE_NAME, type StarterFile, type StarterInput } from './templates.ts';

export class InitFileExistsError extends InputError<'RAMPART_INIT_FILE_EXISTS'> {
  constructor(file: string) {
    super('RAMPART_INIT_FILE_EXISTS', `${file} already exists; rampart init writes nothing over an existing file`, {
      hint: 'move it away, or run rampart init --force to replace it',
    });
  }
}

/**
 * The starter files checked by the loaders `rampart run`, `drill` and `gate` use, in a scratch directory laid
 * out as they will be: a file that would not load is a bug of rampart's templates, never the user's to find.
 */
async function validate(texts: Record<StarterFile, string>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-init-'));
  try {
    for (const [key, rel] of Object.entries(starterFiles) as Array<[StarterFile, string]>) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), texts[key]);
    }
    for (const profile of ['quick', 'full'] as const) {
      loadSuite(path.join(dir, starterFiles.suite), profile, { env: {} });
      loadDrill(path.join(dir, starterFiles.drill), profile, { env: { APP_PID: '1' } });
    }
    const spec = await loadSloSpec(path.join(dir, starterFiles.slo));
    if (!spec.objectives.some((o) => 'scenario' in o && o.scenario === SUITE_NAME))
      throw new Error(`slo.yaml judges no objective of scenario ${SUITE_NAME}`);
    const job = parseYaml(texts.workflow) as { jobs?: { gate?: { steps?: Array<{ run?: string }> } } };
    const gate = job.jobs?.gate?.steps?.find((s) => s.run?.includes('rampart gate'))?.run ?? '';
    if (!gate.includes(starterFiles.suite) || !gate.includes(starterFiles.drill))
      throw new Error('the workflow does not gate on the suite and the drill');
  } catch (err) {
    throw new Error(
      `rampart init produced a starter that does not load (a bug of rampart): ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes the starter into `cwd` and returns the paths written (relative). Nothing is written when any file
 * exists and `force` is off: the first one in the way is named (exit 2).
 */
export async function writeStarter(cwd: string, input: StarterInput, force: boolean): Promise<string[]> {
  const texts = renderStarter(input);
  await validate(texts);
  const files = Object.entries(starterFiles) as Array<[StarterFile, string]>;
  if (!force) {
    const taken = files.find(([, rel]) => existsSync(path.join(cwd, rel)));
    if (taken) throw new InitFileExistsError(taken[1]);
  }
  for (const [key, rel] of files) {
    await mkdir(path.dirname(path.join(cwd, rel)), { recursive: true });
    await writeFile(path.join(cwd, rel), texts[key]);
  }
  return files.map(([, rel]) => rel);
}
