export { likesRouter, setLike, likeStateSchema } from './likes.ts';
export type { LikeState } from './likes.ts';
