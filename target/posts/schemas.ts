import { z } from 'zod';
import { idParams, pageOf, userText, uuidSchema } from '../platform/schemas.ts';

/** Request and response shapes of /v1/posts (also the source of the OpenAPI schemas). */
export { idParams, pageOf, userText, uuidSchema };
export const visibilitySchema = z.enum(['public', 'private']);

export const createPostBody = z.object({
  body: userText(5000),
  visibility: visibilitySchema.default('public'),
});
export type CreatePostInput = z.infer<typeof createPostBody>;

export const updatePostBody = z
  .object({
    body: userText(5000).optional(),
    visibility: visibilitySchema.optional(),
  })
  .refine((v) => v.body !== undefined || v.visibility !== undefined, {
    message: 'give body or visibility',
    path: ['body'],
  });
export type UpdatePostInput = z.infer<typeof updatePostBody>;

export const listPostsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
  authorId: uuidSchema.optional(),
});

export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, { message: 'must be 1-255 visible ASCII characters' });
export const idempotencyHeaders = z.object({ 'idempotency-key': idempotencyKeyHeader });

export const postSchema = z.object({
  id: uuidSchema,
  authorId: uuidSchema,
  body: z.string(),
  visibility: visibilitySchema,
  likeCount: z.number().int().min(0),
  commentCount: z.number().int().min(0),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Post = z.infer<typeof postSchema>;
