// Public door of target/: the SocialConnect reference backend.
// What other folders use (test/doors.test.ts holds the list to that): the rest stays inside, reached by
// target's own code and tests through the component doors and platform/.
export { loadTargetConfig } from './config.ts';
export { startTarget } from './server.ts';
export type { RunningServer } from './server.ts';
export { isTargetMessage } from './protocol.ts';
export type { TargetMessage } from './protocol.ts';
export { seed } from './seed/index.ts';
export type { SeedResult } from './seed/index.ts';
// bench:target-routes' floor of a read that must ask PostgreSQL: the post list's own page read and named statements.
export { readPostsPage } from './posts/index.ts';
export { namedQuery } from './platform/db.ts';
