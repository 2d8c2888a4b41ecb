import { EnvironmentError } from '../common/index.ts';

type SeedFn = (configOrPool: unknown, counts: { users: number; posts: number }) => Promise<{ users: number; posts: number; ms: number }>;

/**
 * Seeds the target's database through target/'s own seed() (users get password
 * `password123!`, emails user<N>@example.test). Loaded lazily: the target app is
 * only imported into this process when seeding is asked for.
 */
export async function seedTarget(
  databaseUrl: string,
  opts: { users: number; posts: number; env: NodeJS.ProcessEnv },
): Promise<{ users: number; posts: number; ms: number }> {
  const target = (await import('../target/index.ts')) as Record<string, unknown>;
  const seed = target.seed as SeedFn | undefined;
  const loadTargetConfig = target.loadTargetConfig as ((env: NodeJS.ProcessEnv) => unknown) | undefined;
  if (typeof seed !== 'function' || typeof loadTargetConfig !== 'function') {
    throw new EnvironmentError('RAMPART_SEED_UNAVAILABLE', 'this checkout of the target has no seed() to fill the database with', {
      hint: 'start without --seed-users/--seed-posts',
    });
  }
  const config = loadTargetConfig({ ...opts.env, DATABASE_URL: databaseUrl });
  return seed(config, { users: opts.users, posts: opts.posts });
}
