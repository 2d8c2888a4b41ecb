// Public door of stack/.
export { startPostgres } from './postgres.ts';
export type { PostgresOptions, StartedPostgres } from './postgres.ts';
export { startRedis, findRedisServer, RedisServerMissingError } from './redis.ts';
export type { RedisOptions, StartedRedis } from './redis.ts';
export { startStack } from './stack.ts';
export { lbKinds, parseLbKind } from './load-balancer.ts';
export type { LbKind } from './load-balancer.ts';
export type { StackOptions, StartedStack } from './stack.ts';
export type { StackComponent } from './control.ts';
export { NotControllableError } from './control.ts';
export { readStackState, writeStackState, stackFile, stackStateSchema } from './state-file.ts';
export type { StackState } from './state-file.ts';
export { stopRecordedStack, recordedStackStatus } from './recorded-stack.ts';
export type { RecordedStackStatus } from './recorded-stack.ts';
export type { ProcessControl, StartedServer, ExitInfo } from './types.ts';
export { isAlive, treeMembers } from './child.ts';
