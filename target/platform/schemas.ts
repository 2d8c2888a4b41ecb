import { z } from 'zod';

/** Request-shape primitives every component validates with (also the source of the OpenAPI schemas). */
export const uuidSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'must be a UUID' });
/** User text: PostgreSQL text cannot hold NUL, so it is a 422 here rather than a database error. */
export const userText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((v) => !v.includes('\u0000'), { message: 'must not contain NUL characters' });
/** `/:id` path parameters. */
export const idParams = z.object({ id: uuidSchema });
/** A page of items with the opaque cursor of the next one. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
