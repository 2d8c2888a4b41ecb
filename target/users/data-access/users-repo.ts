import type { Database, Lane, Queryable } from '../../platform/db.ts';
import type { Role } from '../../platform/locals.ts';

/** Plain user records (camelCase, ISO dates); SQL stays here and is always parameterised. */
export interface UserRecord {
  id: string;
  email: string;
  handle: string;
  role: Role;
  displayName: string | null;
  bio: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface UserWithHash extends UserRecord {
  passwordHash: string;
}

export interface PublicProfile {
  id: string;
  handle: string;
  displayName: string | null;
  bio: string | null;
  createdAt: string;
  followers: number;
  following: number;
}

interface UserRow {
  id: string;
  email: string;
  handle: string;
  role: Role;
  display_name: string | null;
  bio: string | null;
  created_at: Date;
  updated_at: Date;
  password_hash?: string;
}

const COLUMNS = 'id, email, handle, role, display_name, bio, created_at, updated_at';

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  handle: r.handle,
  role: r.role,
  displayName: r.display_name,
  bio: r.bio,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export function createUsersRepo(db: Database) {
  return {
    /** Throws the pg error (code 23505, constraint users_email_lower_key / users_handle_lower_key) on duplicates. */
    async insert(u: { email: string; handle: string; passwordHash: string }, lane: Lane = 'auth'): Promise<UserRecord> {
      const { rows } = await db.query<UserRow>(
        `INSERT INTO users (email, handle, password_hash) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
        [u.email, u.handle, u.passwordHash],
        lane,
      );
      return toUser(rows[0] as UserRow);
    },
    async findByEmailWithHash(email: string): Promise<UserWithHash | null> {
      const rows = await db.read<UserRow>(
        `SELECT ${COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)`,
        [email],
        'auth',
      );
      const r = rows[0];
      return r ? { ...toUser(r), passwordHash: r.password_hash as string } : null;
    },
    async findById(id: string, lane: Lane = 'main'): Promise<UserRecord | null> {
      const rows = await db.read<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id], lane);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async publicProfile(id: string): Promise<PublicProfile | null> {
      const rows = await db.read<UserRow & { followers: string; following: string }>(
        `SELECT ${COLUMNS},
                (SELECT count(*) FROM follows f WHERE f.followee_id = u.id) AS followers,
                (SELECT count(*) FROM follows f WHERE f.follower_id = u.id) AS following
           FROM users u WHERE u.id = $1`,
        [id],
      );
      const r = rows[0];
      if (!r) return null;
      return {
        id: r.id,
        handle: r.handle,
        displayName: r.display_name,
        bio: r.bio,
        createdAt: r.created_at.toISOString(),
        followers: Number(r.followers),
        following: Number(r.following),
      };
    },
    /** Only the named profile fields are ever written (mass assignment is impossible by construction). */
    async updateProfile(
      id: string,
      patch: { handle?: string; displayName?: string | null; bio?: string | null },
    ): Promise<UserRecord | null> {
      const { rows } = await db.query<UserRow>(
        `UPDATE users SET
            handle = COALESCE($2, handle),
            display_name = CASE WHEN $3::boolean THEN $4 ELSE display_name END,
            bio = CASE WHEN $5::boolean THEN $6 ELSE bio END,
            updated_at = now()
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [
          id,
          patch.handle ?? null,
          patch.displayName !== undefined,
          patch.displayName ?? null,
          patch.bio !== undefined,
          patch.bio ?? null,
        ],
      );
      return rows[0] ? toUser(rows[0]) : null;
    },
    async setPassword(tx: Queryable, id: string, passwordHash: string): Promise<void> {
      await tx.query('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1', [id, passwordHash]);
    },
    async setRole(id: string, role: Role): Promise<UserRecord | null> {
      const { rows } = await db.query<UserRow>(
        `UPDATE users SET role = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, role],
      );
      return rows[0] ? toUser(rows[0]) : null;
    },
    /** Keyset page ordered by (created_at, id); `cursor` carries created_at at full (µs) precision. */
    async list(
      limit: number,
      after: { createdAt: string; id: string } | null,
    ): Promise<Array<UserRecord & { cursor: { createdAt: string; id: string } }>> {
      const cols = `${COLUMNS}, created_at::text AS created_exact`;
      const rows = after
        ? await db.read<UserRow & { created_exact: string }>(
            `SELECT ${cols} FROM users WHERE (created_at, id) > ($1::timestamptz, $2::uuid) ORDER BY created_at, id LIMIT $3`,
            [after.createdAt, after.id, limit],
          )
        : await db.read<UserRow & { created_exact: string }>(
            `SELECT ${cols} FROM users ORDER BY created_at, id LIMIT $1`,
            [limit],
          );
      return rows.map((r) => ({ ...toUser(r), cursor: { createdAt: r.created_exact, id: r.id } }));
    },
    /** true when the edge is new. */
    async follow(tx: Queryable, followerId: string, followeeId: string): Promise<boolean> {
      const { rowCount } = await tx.query(
        'INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [followerId, followeeId],
      );
      return (rowCount ?? 0) > 0;
    },
    async unfollow(followerId: string, followeeId: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2', [
        followerId,
        followeeId,
      ]);
      return (rowCount ?? 0) > 0;
    },
    async exists(id: string): Promise<boolean> {
      return (await db.read('SELECT 1 FROM users WHERE id = $1', [id])).length > 0;
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
