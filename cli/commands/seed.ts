import type { Command } from 'commander';
import { InputError } from '../../common/index.ts';
import { readStackState } from '../../stack/index.ts';
import { seed } from '../../target/index.ts';
import type { CliContext } from '../context.ts';

function countFlag(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 10_000_000) {
    throw new InputError('RAMPART_BAD_FLAG', `${flag} must be a whole number from 0 to 10000000, got "${value}"`, { hint: `e.g. ${flag} 1000` });
  }
  return n;
}

function urlFlag(value: string): string {
  try {
    if (['postgres:', 'postgresql:'].includes(new URL(value).protocol)) return value;
  } catch {
    // fall through
  }
  throw new InputError('RAMPART_BAD_FLAG', `--database-url must be a postgres:// URL, got "${value}"`, { hint: 'e.g. --database-url postgres://user:pass@127.0.0.1:5432/socialconnect' });
}

/** `rampart seed`: fills the target's database with a realistic social graph. */
export function registerSeed(program: Command, ctx: CliContext): void {
  program
    .command('seed')
    .description('Fill the SocialConnect database with users (password "password123!"), follows, posts, likes and comments')
    .option('--users <n>', 'users user1..userN@example.test (plus admin@example.test)', '1000')
    .option('--posts <n>', 'posts', '10000')
    .option('--database-url <url>', 'PostgreSQL URL (default: DATABASE_URL, else the running `rampart stack up`)')
    .option('--state-dir <dir>', 'where `rampart stack up` keeps its state', '.rampart')
    .addHelpText('after', `
Examples:
  $ rampart seed --users 10000 --posts 100000
  $ rampart seed --users 500 --posts 5000 --database-url postgres://postgres:postgres@127.0.0.1:5432/postgres
`)
    .action(async (opts: { users: string; posts: string; databaseUrl?: string; stateDir: string }) => {
      const users = countFlag('--users', opts.users);
      const posts = countFlag('--posts', opts.posts);
      let url = opts.databaseUrl !== undefined ? urlFlag(opts.databaseUrl) : ctx.env.databaseUrl;
      if (!url) {
        try {
          url = (await readStackState(opts.stateDir)).postgres;
        } catch {
          throw new InputError('RAMPART_NO_DATABASE', 'no database to seed: no --database-url, no DATABASE_URL and no running stack', {
            hint: 'start one with `rampart stack up`, or pass --database-url postgres://…',
          });
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
