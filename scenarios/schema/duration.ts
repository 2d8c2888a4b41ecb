import { z } from 'zod';
import { parseDuration } from '../../common/index.ts';

/** A k6-style duration ("30s", "1m30s", "500ms"); a bare number means seconds. Kept as written (the k6 export needs it). */
export const durationSchema = z.union([z.string(), z.number().nonnegative()]).refine(
  (v) => {
    try {
      parseDuration(v);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a duration like 500ms, 30s, 1m30s or 2h' },
);
export type DurationInput = z.infer<typeof durationSchema>;

export const stageSchema = z
  .object({
    target: z.number().nonnegative(),
    duration: durationSchema,
  })
  .strict();
export type Stage = z.infer<typeof stageSchema>;

export const posInt = z.number().int().positive();
