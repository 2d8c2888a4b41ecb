import { spawn, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { EnvironmentError, InputError } from '../../common/index.ts';
import { exportK6Script, loadSuite, profiles, type Profile, type Suite } from '../../scenarios/index.ts';
import type { CliContext } from '../context.ts';

export class K6MissingError extends EnvironmentError {
  constructor() {
    super('RAMPART_K6_MISSING', 'k6 is not on PATH, so --engine k6 cannot run', {
      hint: 'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/), or use `rampart k6 export <suite>` and run the script elsewhere, or drop --engine k6',
    });
  }
}

function k6OnPath(): boolean {
  const r = spawnSync('k6', ['version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/** `rampart run --engine k6`: export each suite and hand it to the k6 binary (exit 99 = thresholds failed → 1). */
export async function runWithK6(suites: Suite[], target: string | undefined, outDir: string, ctx: CliContext): Promise<number> {
  if (!k6OnPath()) throw new K6MissingError();
  if (!target) throw new InputError('RAMPART_FLAG_INVALID', '--engine k6 needs --target URL', { hint: 'start the stack with `rampart stack up` and pass its URL' });
  let code = 0;
  for (const suite of suites) {
    const file = path.join(outDir, `${suite.name}.k6.ts`);
    await mkdir(outDir, { recursive: true });
    await writeFile(file, exportK6Script(suite));
    const child = spawn('k6', ['run', '-e', `BASE_URL=${target}`, file], { stdio: ['ignore', 'inherit', 'inherit'] });
    const onAbort = () => child.kill('SIGINT');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const exit = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 3)));
    ctx.signal.removeEventListener('abort', onAbort);
    code = Math.max(code, exit === 0 ? 0 : exit === 99 ? 1 : 3);
  }
  return code;
}

export function registerK6(program: Command, ctx: CliContext): void {
  const k6 = program.command('k6').description('k6 interoperability: export suites as k6 TypeScript scripts (the path to distributed load).');
  k6.command('export')
    .description('Write a suite as a k6 script typed with @types/k6 (executors, stages, thresholds, checks, flows).')
    .argument('<suite>', 'suite name or file')
    .option('--profile <p>', 'quick or full', 'full')
    .option('--out <file>', 'output file (default: stdout)')
    .addHelpText('after', `
Examples:
  rampart k6 export load --out load.k6.ts && k6 run -e BASE_URL=http://127.0.0.1:3000 load.k6.ts
  rampart k6 export stress --profile quick > stress.k6.ts`)
    .action(async (name: string, flags: { profile: string; out?: string }) => {
      if (!(profiles as readonly string[]).includes(flags.profile)) throw new InputError('RAMPART_FLAG_INVALID', `--profile must be quick or full, got "${flags.profile}"`);
      const script = exportK6Script(loadSuite(name, flags.profile as Profile));
      if (!flags.out) {
        ctx.stdout.write(script);
        return;
      }
      await mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
      await writeFile(flags.out, script);
      ctx.stderr.write(`rampart: wrote ${flags.out}\n`);
    });
}
