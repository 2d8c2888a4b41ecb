export { replayIdempotent, runIdempotent, requestHash, sweepIdempotencyKeys } from './idempotency.ts';
export type { StoredResponse } from './idempotency.ts';
