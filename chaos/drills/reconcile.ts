import pg from 'pg';
import { Agent, request } from 'undici';
import { compileStringTemplate } from '../../scenarios/index.ts';
import type { ReconcileEntry } from './file/schema.ts';
import type { AckedWrite } from './load.ts';

export interface Missing {
  writes: string;
  id: string;
  /** When the write was acknowledged, epoch ms. */
  at: number;
  /** What the read-back saw: "GET /orders/17 answered 404", "0 rows", "2 rows (duplicated)". */
  detail: string;
}

export interface Reconciliation {
  acknowledged: number;
  found: number;
  lost: number;
  duplicated: number;
  missing: Missing[];
}

export interface ReconcileWhere {
  baseUrl: string;
  /** PostgreSQL for `sql` entries (--database-url, or the managed stack's). */
  databaseUrl: string | null;
  signal: AbortSignal;
}

/** Reads in flight at once; each read-back is bounded by its timeout, and a 5xx or no answer is tried 3 times. */
const CONCURRENCY = 8;
const READ_TIMEOUT_MS = 10_000;

async function eachLimited<T>(items: readonly T[], signal: AbortSignal, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

/** Every acknowledged write read back through the API: found when the read answers one of expectStatus. */
async function throughApi(
  entry: ReconcileEntry & { read: NonNullable<ReconcileEntry['read']> },
  writes: AckedWrite[],
  where: ReconcileWhere,
  out: Reconciliation,
): Promise<void> {
  const path = compileStringTemplate(entry.read.path);
  const headers = Object.entries(entry.read.headers).map(([k, v]) => [k, compileStringTemplate(v)] as const);
  const agent = new Agent({ connections: CONCURRENCY, headersTimeout: READ_TIMEOUT_MS, bodyTimeout: READ_TIMEOUT_MS });
  try {
    await eachLimited(writes, where.signal, async (w) => {
      const url = `${where.baseUrl.replace(/\/$/, '')}${path({ id: w.id })}`;
      let seen = '';
      for (let attempt = 0; attempt < 3; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 1000));
        try {
          const res = await request(url, {
            dispatcher: agent,
            method: entry.read.method,
            headers: Object.fromEntries(headers.map(([k, v]) => [k, v({ id: w.id })])),
            signal: where.signal,
          });
          await res.body.dump();
          if (entry.read.expectStatus.includes(res.statusCode)) {
            out.found += 1;
            return;
          }
          seen = `${entry.read.method} ${path({ id: w.id })} answered ${res.statusCode}`;
          if (res.statusCode < 500) break;
        } catch (err) {
          seen = `${entry.read.method} ${path({ id: w.id })} got no answer (${(err as Error).message})`;
        }
      }
      out.lost += 1;
      out.missing.push({ writes: w.writes, id: w.id, at: w.at, detail: seen });
    });
  } finally {
    await agent.close();
  }
}

/** Every acknowledged write counted in the database: the query ($1 = the id) returns a row with `n`; 0 is lost, more than 1 duplicated. */
async function inDatabase(
  entry: ReconcileEntry & { sql: NonNullable<ReconcileEntry['sql']> },
  writes: AckedWrite[],
  databaseUrl: string,
  signal: AbortSignal,
  out: Reconciliation,
): Promise<void> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: 10_000,
    statement_timeout: READ_TIMEOUT_MS,
  });
  await client.connect();
  try {
    for (const w of writes) {
      if (signal.aborted) return;
      const { rows } = await client.query<Record<string, unknown>>(entry.sql.query, [w.id]);
      const first = rows[0] ?? {};
      const n = Number(first.n ?? Object.values(first)[0] ?? 0);
      if (n === 1) out.found += 1;
      else if (n === 0) {
        out.lost += 1;
        out.missing.push({ writes: w.writes, id: w.id, at: w.at, detail: 'not in the database (0 rows)' });
      } else {
        out.found += 1;
        out.duplicated += 1;
        out.missing.push({ writes: w.writes, id: w.id, at: w.at, detail: `stored ${n} times (duplicated)` });
      }
    }
  } finally {
    await client.end();
  }
}

/**
 * Every write acknowledged with a 2xx must be found afterwards: read back through the API (any system),
 * or counted in its database (a `sql` entry). Each one missing is named with its id and when it was
 * acknowledged; a write stored twice (a retry that was not idempotent) shows as duplicated.
 */
export async function reconcile(
  entries: readonly ReconcileEntry[],
  acked: readonly AckedWrite[],
  where: ReconcileWhere,
): Promise<Reconciliation> {
  const out: Reconciliation = { acknowledged: 0, found: 0, lost: 0, duplicated: 0, missing: [] };
  for (const entry of entries) {
    const writes = acked.filter((w) => w.writes === entry.writes);
    out.acknowledged += writes.length;
    if (entry.read) await throughApi({ ...entry, read: entry.read }, writes, where, out);
    else if (entry.sql) {
      if (!where.databaseUrl)
        throw new Error(
          `reconcile of ${entry.writes} counts in the database, but no database was given (--database-url)`,
        );
      await inDatabase({ ...entry, sql: entry.sql }, writes, where.databaseUrl, where.signal, out);
    }
  }
  out.missing.sort((a, b) => a.at - b.at);
  return out;
}
