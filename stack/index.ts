// Public door of stack/.
export { startPostgres } from './postgres.ts';
export type { StartedPostgres } from './postgres.ts';
export { startRedis } from './redis.ts';
export type { RedisOptions, StartedRedis } from './redis.ts';
export { startStack } from './stack.ts';
export { parseLbKind } from './load-balancer.ts';
export type { LbKind } from './load-balancer.ts';
export type { StartedStack } from './stack.ts';
export { readStackState, stackStateSchema } from './state-file.ts';
export { stopRecordedStack, recordedStackStatus } from './recorded-stack.ts';
export type { ExitInfo } from './types.ts';
export { isAlive, treeMembers } from './child.ts';
export { sampleProcesses } from './process-sampler.ts';
