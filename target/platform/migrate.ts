import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { EnvironmentError, repoPath } from '../../common/index.ts';

/**
 * Plain SQL migrations: every `NNNN_name.sql` file in target/migrations,
 * applied in file-name order, each in its own transaction, recorded in
 * `schema_migrations` with a checksum. A session advisory lock makes
 * concurrent starts safe: the second waits, then finds nothing to do.
 */
export const MIGRATIONS_DIR = repoPath('target', 'migrations');
const LOCK_KEY = 7_236_110_001; // any constant bigint shared by every process of this app

export class MigrationFailedError extends EnvironmentError {
  constructor(file: string, cause: unknown) {
    super(
      'TARGET_MIGRATION_FAILED',
      `migration ${file} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
        hint: 'fix the SQL file, or point DATABASE_URL at a database this application owns',
      },
    );
  }
}

export class MigrationChangedError extends EnvironmentError {
  constructor(file: string) {
    super('TARGET_MIGRATION_CHANGED', `migration ${file} was already applied with different contents`, {
      hint: 'never edit an applied migration: add a new numbered file instead (or drop the development database)',
    });
  }
}

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<string[]> {
  return (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
}

export async function migrate(
  databaseUrl: string,
  opts: { dir?: string; connectTimeoutMs?: number } = {},
): Promise<MigrationResult> {
  const dir = opts.dir ?? MIGRATIONS_DIR;
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
    application_name: 'socialconnect-migrate',
  });
  client.on('error', () => {});
  await client.connect();
  const result: MigrationResult = { applied: [], skipped: [] };
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Map(
      (await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations')).rows.map(
        (r) => [r.name, r.checksum],
      ),
    );
    for (const file of await listMigrations(dir)) {
      const sql = await readFile(path.join(dir, file), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const previous = done.get(file);
      if (previous !== undefined) {
        if (previous !== checksum) throw new MigrationChangedError(file);
        result.skipped.push(file);
        continue;
      }
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [file, checksum]);
        await client.query('COMMIT');
        result.applied.push(file);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw new MigrationFailedError(file, err);
      }
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    await client.end().catch(() => {});
  }
}
