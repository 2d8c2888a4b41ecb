export { postsRouter } from './routes.ts';
export * as postSchemas from './schemas.ts';
export { featureDeps, isModerator, reader } from './deps.ts';
export type { Caller, FeatureDeps } from './deps.ts';
export { encodeCursor, decodeCursor, pageQuery, toPage } from './cursor.ts';
export type { Page } from './cursor.ts';
export { POST_COLUMNS, toPost, postKey } from './repository.ts';
export type { PostRow } from './repository.ts';
