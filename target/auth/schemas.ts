import { z } from 'zod';

/** Request bodies of /v1/auth (zod objects strip unknown keys: `role` in a register body is ignored). */
export const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }));
export const password = z
  .string()
  .min(8, { message: 'must be at least 8 characters' })
  .max(128, { message: 'must be at most 128 characters' });
export const handle = z
  .string()
  .trim()
  .min(3)
  .max(30)
  .regex(/^[A-Za-z0-9_]+$/, { message: 'may contain letters, digits and _ only' });

export const registerBody = z.object({ email, password, handle });
export const loginBody = z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(128) });
export const refreshBody = z.object({ refreshToken: z.string().min(1).max(200) });
export const logoutBody = z.object({ refreshToken: z.string().min(1).max(200).optional() });
export const resetRequestBody = z.object({ email });
export const resetConfirmBody = z.object({ token: z.string().min(1).max(200), newPassword: password });
