import { z } from 'zod';

export const idParams = z.object({ id: z.uuid({ message: 'must be a user id (UUID)' }) });

/** Only these fields can change; anything else in the body (role, email, id…) is dropped by zod. */
export const patchMeBody = z.object({
  handle: z
    .string()
    .trim()
    .min(3)
    .max(30)
    .regex(/^[A-Za-z0-9_]+$/, { message: 'may contain letters, digits and _ only' })
    .optional(),
  displayName: z.string().trim().max(80).nullable().optional(),
  bio: z.string().max(500).nullable().optional(),
});
