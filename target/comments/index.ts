export { commentsRouter, addComment, listComments, commentSchema, createCommentBody } from './comments.ts';
export type { Comment } from './comments.ts';
