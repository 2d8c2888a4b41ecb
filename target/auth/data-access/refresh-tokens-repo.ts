import type { Database, Queryable } from '../../platform/db.ts';

/** Refresh tokens are stored only as SHA-256 hashes, grouped in families (one per login). */
export interface RefreshTokenRecord {
  id: string;
  familyId: string;
  userId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

interface Row {
  id: string;
  family_id: string;
  user_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

const toRecord = (r: Row): RefreshTokenRecord => ({
  id: r.id,
  familyId: r.family_id,
  userId: r.user_id,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  revokedAt: r.revoked_at,
});

export function createRefreshTokensRepo(db: Database) {
  return {
    async insert(
      q: Queryable | null,
      t: { familyId: string; userId: string; tokenHash: string; expiresAt: Date },
    ): Promise<void> {
      const sql = 'INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)';
      const values = [t.familyId, t.userId, t.tokenHash, t.expiresAt];
      if (q) await q.query(sql, values);
      else await db.query(sql, values, 'auth');
    },
    /** Locks the row for the rest of the transaction (two concurrent refreshes serialise here). */
    async findForUpdate(tx: Queryable, tokenHash: string): Promise<RefreshTokenRecord | null> {
      const { rows } = await tx.query<Row>(
        'SELECT id, family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE',
        [tokenHash],
      );
      return rows[0] ? toRecord(rows[0]) : null;
    },
    async findByHash(tokenHash: string): Promise<RefreshTokenRecord | null> {
      const rows = await db.read<Row>(
        'SELECT id, family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = $1',
        [tokenHash],
        'auth',
      );
      return rows[0] ? toRecord(rows[0]) : null;
    },
    async markUsed(tx: Queryable, id: string): Promise<void> {
      await tx.query('UPDATE refresh_tokens SET used_at = now() WHERE id = $1', [id]);
    },
    async revokeFamily(q: Queryable | null, familyId: string): Promise<number> {
      const sql = 'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL';
      const res = q ? await q.query(sql, [familyId]) : await db.query(sql, [familyId], 'auth');
      return res.rowCount ?? 0;
    },
    async revokeAllForUser(q: Queryable, userId: string): Promise<void> {
      await q.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
    },
  };
}

export type RefreshTokensRepo = ReturnType<typeof createRefreshTokensRepo>;
