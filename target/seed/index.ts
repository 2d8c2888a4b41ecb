export { seed, SEED_PASSWORD, SEED_ADMIN_EMAIL } from './seed.ts';
export type { SeedCounts, SeedResult } from './seed.ts';
