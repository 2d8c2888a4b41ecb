import type { Command } from 'commander';
import { InputError } from '../../common/index.ts';
import { intFlag, urlFlag } from '../flags.ts';
import type { CliContext } from '../context.ts';

/** `rampart seed`: fills the target's database with a realistic social graph. */
export function registerSeed(program: Command, ctx: CliContext): void {
  program
    .command('seed')
    .description(
      'Fill the SocialConnect database with users (password "password123!"), follows, posts, likes and comments',
    )
    .option('--users <n>', 'users user1..userN@example.test (plus admin@example.test)', '1000')
    .option('--posts <n>', 'posts', '10000')
    .option('--database-url <url>', 'PostgreSQL URL (default: DATABASE_URL, else the running `rampart stack up`)')
    .option('--state-dir <dir>', 'where `rampart stack up` keeps its state', '.rampart')
    .addHelpText(
      'after',
      `
Examples:
  $ rampart seed --users 10000 --posts 100000
  $ rampart seed --users 500 --posts 5000 --database-url postgres://postgres:postgres@127.0.0.1:5432/postgres
`,
    )
    .action(async (opts: { users: string; posts: string; databaseUrl?: string; stateDir: string }) => {
      const users = intFlag('--users', opts.users, 0, 10_000_000, 1000);
      // Loaded when seeding, not for every start of the CLI (the target pulls in Express and its stack).
      const [{ readStackState }, { seed }] = await Promise.all([
        import('../../stack/index.ts'),
        import('../../target/index.ts'),
      ]);
      const posts = intFlag('--posts', opts.posts, 0, 10_000_000, 1000);
      let url =
        opts.databaseUrl !== undefined
          ? urlFlag(
              '--database-url',
              opts.databaseUrl,
              ['postgres:', 'postgresql:'],
              'postgres://user:pass@127.0.0.1:5432/socialconnect',
            )
          : ctx.env.databaseUrl;
      if (!url) {
        try {
          url = (await readStackState(opts.stateDir)).postgres;
        } catch {
          throw new InputError(
            'RAMPART_NO_DATABASE',
            'no database to seed: no --database-url, no DATABASE_URL and no running stack',
            {
              hint: 'start one with `rampart stack up`, or pass --database-url postgres://…',
            },
          );
        }
      }
      ctx.stdout.write(`rampart seed: ${users} users, ${posts} posts…\n`);
      const out = await seed(url, { users, posts }, (line) => ctx.stdout.write(`  ${line}\n`));
      ctx.stdout.write(
        `rampart seed: ${out.users} users, ${out.follows} follows, ${out.posts} posts, ${out.likes} likes, ${out.comments} comments in ${(out.ms / 1000).toFixed(1)} s\n` +
          '  sign in as user1@example.test … or admin@example.test with password password123!\n',
      );
    });
}
