import pg from 'pg';
import type { AckedWrite } from './load.ts';

export interface Reconciliation {
  acknowledged: number;
  found: number;
  lost: number;
  duplicated: number;
  lostKeys: string[];
  duplicatedKeys: string[];
}

/**
 * Every write acknowledged with a 2xx must be in the database exactly once.
 * Each post body carries the run id and the request's idempotency key, so a
 * write retried with the same key and stored twice shows as a duplicate, and
 * an acknowledged write that never reached the table as lost.
 */
export async function reconcile(databaseUrl: string, runId: string, acked: ReadonlyMap<string, AckedWrite>): Promise<Reconciliation> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ body: string; n: string }>(
      'SELECT body, count(*) AS n FROM posts WHERE body LIKE $1 GROUP BY body',
      [`drill ${runId} %`],
    );
    const counts = new Map(rows.map((r) => [r.body, Number(r.n)]));
    const lostKeys: string[] = [];
    const duplicatedKeys: string[] = [];
    for (const write of acked.values()) {
      const n = counts.get(write.body) ?? 0;
      if (n === 0) lostKeys.push(write.key);
      else if (n > 1) duplicatedKeys.push(write.key);
    }
    // Retries of unacknowledged writes must not have duplicated either.
    for (const [body, n] of counts) {
      const key = body.split(' ')[2] ?? body;
      if (n > 1 && !acked.has(key)) duplicatedKeys.push(key);
    }
    return {
      acknowledged: acked.size,
      found: acked.size - lostKeys.length,
      lost: lostKeys.length,
      duplicated: duplicatedKeys.length,
      lostKeys,
      duplicatedKeys,
    };
  } finally {
    await client.end();
  }
}
