// Test door of scenarios/ (tests and benchmarks only; production code imports index.ts): small real HTTP
// servers (trivial, fixed delay, stalling), in-process or in a child process.
export { startLocalServer } from './testing/local-servers.ts';
export type { LocalServer, Behaviour } from './testing/local-servers.ts';
export { spawnLocalServer } from './testing/spawn-server.ts';
export type { SpawnedServer } from './testing/spawn-server.ts';
export { SEND_AHEAD_MS } from './executors/arrival-rate-executor.ts';
