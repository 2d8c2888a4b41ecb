import type { Command } from 'commander';
import { parseTargetUrl } from '../../common/index.ts';
import type { CliContext } from '../context.ts';
import { FlagInvalidError } from '../flags.ts';
import { routesFromHar, routesFromOpenApi, type StarterRoutes } from '../init/routes.ts';
import { starterFiles } from '../init/templates.ts';
import { writeStarter } from '../init/write-starter.ts';

interface InitFlags {
  target?: string;
  openapi?: string;
  har?: string;
  force: boolean;
}

const DEFAULT_TARGET = 'http://127.0.0.1:8080';

export function registerInit(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description(
      'Write a starter for your API here: a load suite, an slo.yaml that judges it, a drill file and a GitHub Actions gate.',
    )
    .option(
      '--target <url>',
      `your API's base URL (default: the OpenAPI document's or the HAR's server, else ${DEFAULT_TARGET})`,
    )
    .option('--openapi <file>', 'take a few GET routes from this OpenAPI document (YAML or JSON)')
    .option('--har <file>', 'take a few GET routes from this HAR recording')
    .option('--force', 'replace files that already exist', false)
    .addHelpText(
      'after',
      `
Writes ${Object.values(starterFiles).join(', ')}; each is checked by the loaders that read it before anything is
written, and an existing file is left alone (exit 2 naming it) unless --force. Without --openapi or --har the
suite loads GET /.

Examples:
  $ rampart init --target http://127.0.0.1:8080
  $ rampart init --target http://127.0.0.1:8080 --openapi openapi.yaml
  $ rampart init --har session.har --force`,
    )
    .action(async (flags: InitFlags) => {
      if (flags.openapi && flags.har)
        throw new FlagInvalidError('--openapi and --har cannot be given together', {
          hint: 'choose the one that describes your API better',
        });
      const found: StarterRoutes | null = flags.openapi
        ? await routesFromOpenApi(flags.openapi)
        : flags.har
          ? await routesFromHar(flags.har)
          : null;
      const target = parseTargetUrl(flags.target ?? found?.origin ?? DEFAULT_TARGET, '--target');
      const base = target.href.replace(/\/$/, '');
      const paths = found && found.paths.length > 0 ? found.paths : ['/'];
      const source =
        found && found.paths.length > 0
          ? found.source
          : `GET / only (${found ? `${flags.openapi ?? flags.har} has no GET route without parameters` : 'no --openapi or --har given'})`;
      const written = await writeStarter(ctx.cwd, { target: base, paths, source }, flags.force);
      ctx.stdout.write(`rampart init: wrote ${written.join(', ')} for ${base} (routes: ${paths.join(', ')})\n`);
      ctx.stdout.write(`next:
  npx rampart run ${starterFiles.suite} --target ${base}
  npx rampart gate --target ${base} --suites ${starterFiles.suite} --drills none --no-scan
  APP_PID=<your API's pid> npx rampart drill ${starterFiles.drill} --target ${base}
`);
    });
}
