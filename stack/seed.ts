import type { SeedResult } from '../target/index.ts';

/**
 * Seeds the target's database through target/'s own seed() (users get password
 * `password123!`, emails user<N>@example.test, plus admin@example.test). Loaded
 * lazily: the target app is only imported into this process when seeding is asked for.
 */
export async function seedTarget(
  databaseUrl: string,
  counts: { users: number; posts: number },
  log?: (line: string) => void,
): Promise<SeedResult> {
  const { seed } = await import('../target/index.ts');
  return seed(databaseUrl, counts, (line) => log?.(`[seed] ${line}`));
}
