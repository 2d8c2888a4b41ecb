// Public door of the posts component.
export { postsRouter } from './routes.ts';
export * as postSchemas from './schemas.ts';
export { postSchema } from './schemas.ts';
export type { Post } from './schemas.ts';
export { canSee, getVisiblePost, readPostsPage } from './service.ts';
export { POST_COLUMNS, toPost, postKey } from './repository.ts';
export type { PostRow } from './repository.ts';
