import { z } from 'zod';

/** A non-negative whole number attribute with Toxiproxy's default (the Go zero value). */
export const count = (fallback = 0) =>
  z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).nonnegative({ error: 'must be >= 0' }).default(fallback);
