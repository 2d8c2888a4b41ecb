// Public door of target/: the SocialConnect reference backend.
export { loadTargetConfig, targetEnvSchema } from './config.ts';
export type { TargetConfig } from './config.ts';
export { startTarget, serve } from './server.ts';
export type { RunningServer } from './server.ts';
export { createApp } from './app.ts';
export { migrate, listMigrations } from './platform/migrate.ts';
export { isTargetMessage } from './protocol.ts';
export type { TargetMessage, PrimaryToWorkerMessage, WorkerToPrimaryMessage } from './protocol.ts';
export { EVENTS_STREAM, publishEvent } from './platform/events.ts';
export type { DomainEvent, EventType } from './platform/events.ts';
/** Path of the cluster entry for spawning the target as a process tree. */
export const TARGET_ENTRY = 'target/cluster.ts';
export { seed, SEED_PASSWORD, SEED_ADMIN_EMAIL } from './seed/index.ts';
export type { SeedCounts, SeedResult } from './seed/index.ts';
export { openApiDocument } from './openapi/index.ts';
