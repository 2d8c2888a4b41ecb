import { createHash } from 'node:crypto';
import type { Queryable } from '../platform/db.ts';
import { UnprocessableError } from '../platform/http-errors.ts';

/**
 * Idempotency keys for unsafe requests (Stripe's model, draft-ietf-httpapi-idempotency-key-header).
 * Runs inside the caller's transaction: the key row is inserted first, so a
 * concurrent request with the same (user, key) — on any worker — blocks on the
 * primary key until the first commits, then finds the stored response and
 * replays it. If the first rolls back, the second proceeds as the first.
 * The same key with a different request body is a 422.
 */
export interface StoredResponse {
  status: number;
  body: unknown;
  replayed: boolean;
}

export function requestHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

export async function runIdempotent(
  tx: Queryable,
  scope: { userId: string; key: string; hash: string },
  perform: () => Promise<{ status: number; body: unknown }>,
): Promise<StoredResponse> {
  const claimed = await tx.query(
    `INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, key) DO NOTHING RETURNING 1`,
    [scope.userId, scope.key, scope.hash],
  );
  if ((claimed.rowCount ?? 0) === 0) return replayIdempotent(tx, scope);
  const out = await perform();
  await tx.query('UPDATE idempotency_keys SET status = $3, response = $4 WHERE user_id = $1 AND key = $2', [
    scope.userId,
    scope.key,
    out.status,
    JSON.stringify(out.body),
  ]);
  return { ...out, replayed: false };
}

/**
 * The stored answer for a key already claimed (its claim has committed: a concurrent claim waits on the
 * key's row until then): replayed when the request body is the same, 422 when it differs.
 */
export async function replayIdempotent(
  q: Queryable,
  scope: { userId: string; key: string; hash: string },
): Promise<StoredResponse> {
  const { rows } = await q.query<{ request_hash: string; status: number | null; response: unknown }>(
    'SELECT request_hash, status, response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
    [scope.userId, scope.key],
  );
  const row = rows[0];
  if (!row || row.status === null) {
    // Only possible if the row vanished (expiry sweep) between the two statements.
    throw new UnprocessableError('headers.idempotency-key', 'is being used by a request still in progress; retry');
  }
  if (row.request_hash !== scope.hash) {
    throw new UnprocessableError(
      'headers.idempotency-key',
      'was already used with a different request body',
      'IDEMPOTENCY_KEY_REUSED',
    );
  }
  return { status: row.status, body: row.response, replayed: true };
}

/** Deletes keys older than `maxAgeMs` (24 h by default). Returns how many. */
export async function sweepIdempotencyKeys(q: Queryable, maxAgeMs = 24 * 3600_000): Promise<number> {
  const { rowCount } = await q.query(
    'DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1::float8 / 1000)',
    [maxAgeMs],
  );
  return rowCount ?? 0;
}
