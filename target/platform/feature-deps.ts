import type { QueryResult, QueryResultRow } from 'pg';
import type { Queryable } from '../platform/db.ts';
import type { AppDeps } from './deps.ts';
import type { AuthUser } from '../platform/locals.ts';
import { createEventRelay } from './relay.ts';
import type { EventRelay } from './relay.ts';

/** What the feature components (posts, comments, likes, feed, trending, notifications) need. */
export interface FeatureDeps extends AppDeps {
  readonly relay: EventRelay;
}

export function featureDeps(deps: AppDeps): FeatureDeps {
  return { ...deps, relay: createEventRelay(deps) };
}

/** Editors and admins moderate: they may read and change any post. */
/** The authenticated caller as the domain sees it. */
export type Caller = Pick<AuthUser, 'id' | 'role'>;

export function isModerator(user: Caller): boolean {
  return user.role === 'editor' || user.role === 'admin';
}

/** A Queryable over `db.read` (idempotent reads: retried with backoff), for repositories. */
export function reader(db: AppDeps['db']): Queryable {
  return {
    query: async <R extends QueryResultRow>(text: string, values?: unknown[]) => {
      const rows = await db.read<R>(text, values);
      return { rows, rowCount: rows.length, command: 'SELECT', oid: 0, fields: [] } as QueryResult<R>;
    },
  };
}
