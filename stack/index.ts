// Public door of stack/.
export { startPostgres } from './postgres.ts';
export type { PostgresOptions, StartedPostgres } from './postgres.ts';
export { startRedis, findRedisServer, RedisServerMissingError } from './redis.ts';
export type { RedisOptions, StartedRedis } from './redis.ts';
export type { ProcessControl, StartedServer, ExitInfo } from './types.ts';
export { isAlive } from './child.ts';
