import type { RedisService } from './redis.ts';
import { DependencyUnavailableError } from './http-errors.ts';

/**
 * Read-through cache with a stale copy: entries live in Redis for `staleMs`
 * but are served as fresh only for `freshMs`. Redis down → straight to
 * PostgreSQL (slower, still correct). PostgreSQL down → the stale copy if one
 * exists. Concurrent misses for one key in one process share a single load
 * (no stampede on expiry). With `staleWhileRevalidateMs`, an entry that is no
 * longer fresh but younger than freshMs + that window is answered at once
 * (`stale`) while one background load refreshes it: a slow database then costs
 * readers nothing as long as their page was cached recently.
 * Every entry records the content epoch (`cache:epoch`)
 * it was built under; editing or deleting a post bumps the epoch, so
 * no cached page shows it again, as fresh or as the stale copy of an outage
 * (read in the same round trip).
 */
export const EPOCH_KEY = 'cache:epoch';
export type CacheSource = 'hit' | 'miss' | 'stale' | 'bypass';

export interface CacheKey {
  key: string;
  /** Hash field (one hash per user lets one DEL invalidate all their pages). */
  field: string;
}

export interface CacheOptions {
  freshMs: number;
  staleMs: number;
  staleWhileRevalidateMs?: number;
  now?: () => number;
  /**
   * Keep the entry in this process too (bounded, per key and field): a read then
   * asks Redis only for the entry's version (`<field>@`) and the epoch, and takes
   * the bytes from memory while the version is the same. For hot shared entries
   * (trending); never needed for correctness.
   */
  memo?: boolean;
}

/** A cached entry: the JSON text of the data as stored, with when and under which epoch it was built. */
export interface CachedEntry {
  readonly at: number;
  readonly epoch: string;
  readonly json: string;
  /** Values derived from this entry (a parsed list, a serialised page), kept as long as the entry is. */
  readonly derived: Map<string, unknown>;
}

export interface CachedJson {
  /** The data's JSON text: answer it as is, no parse and re-serialise. */
  json: string;
  source: CacheSource;
  entry: CachedEntry;
}

// Stored as "<at> <epoch>\n<json>": the version line is read without parsing the data.
const META = '@';
const versionOf = (e: { at: number; epoch: string }) => `${e.at} ${e.epoch}`;
const makeEntry = (at: number, epoch: string, json: string): CachedEntry => ({ at, epoch, json, derived: new Map() });

function decode(raw: string): CachedEntry | undefined {
  const nl = raw.indexOf('\n');
  if (nl < 0) return undefined;
  const sp = raw.indexOf(' ');
  const at = Number(raw.slice(0, sp));
  if (sp < 0 || sp > nl || !Number.isFinite(at)) return undefined;
  return makeEntry(at, raw.slice(sp + 1, nl), raw.slice(nl + 1));
}

const MEMO_MAX = 1000;
const memos = new Map<string, CachedEntry>();
const inflight = new Map<string, Promise<{ entry: CachedEntry; data: unknown }>>();

/**
 * The read-through cache at the level of bytes: what a hit answers is the
 * stored JSON text itself (a cached page is serialised once, when it is built).
 */
export async function readThroughJson<T>(
  redis: RedisService,
  k: CacheKey,
  opts: CacheOptions,
  load: () => Promise<T>,
): Promise<CachedJson & { data?: T }> {
  const now = opts.now ?? Date.now;
  const id = `${k.key}\u0000${k.field}`;
  const memo = opts.memo ? memos.get(id) : undefined;
  const read = await redis.tryRun(async (c) => {
    const res = await c
      .pipeline()
      .hget(k.key, memo ? k.field + META : k.field)
      .get(EPOCH_KEY)
      .exec();
    const [hit, epoch] = res ?? [];
    return {
      raw: hit && !hit[0] ? (hit[1] as string | null) : null,
      epoch: epoch && !epoch[0] ? ((epoch[1] as string | null) ?? '0') : '?',
    };
  }, undefined);
  let entry: CachedEntry | undefined;
  if (typeof read?.raw === 'string') {
    if (!memo) entry = decode(read.raw);
    else if (read.raw === versionOf(memo)) entry = memo;
    else {
      // Rebuilt since this process kept it: fetch the bytes once more.
      const raw = await redis.tryRun((c) => c.hget(k.key, k.field), null);
      entry = typeof raw === 'string' ? decode(raw) : undefined;
    }
    if (opts.memo && entry && entry !== memo) remember(id, entry);
  }
  const sameEpoch = entry !== undefined && entry.epoch === read?.epoch;
  const age = entry ? now() - entry.at : Infinity;
  if (entry && sameEpoch && age < opts.freshMs) return { json: entry.json, source: 'hit', entry };

  let loading = inflight.get(id) as Promise<{ entry: CachedEntry; data: T }> | undefined;
  if (!loading) {
    loading = load()
      .then((data) => {
        const built = makeEntry(now(), read?.epoch ?? '?', JSON.stringify(data));
        if (read !== undefined) {
          void redis
            .tryRun(
              (c) =>
                c
                  .multi()
                  .hset(k.key, k.field, `${versionOf(built)}\n${built.json}`, k.field + META, versionOf(built))
                  .pexpire(k.key, opts.staleMs)
                  .exec(),
              undefined,
            )
            .catch(() => {});
          if (opts.memo) remember(id, built);
        }
        return { entry: built, data };
      })
      .finally(() => inflight.delete(id));
    inflight.set(id, loading);
  }
  if (entry && sameEpoch && age < opts.freshMs + (opts.staleWhileRevalidateMs ?? 0)) {
    loading.catch(() => {}); // the refresh is best effort; the next reader tries again
    return { json: entry.json, source: 'stale', entry };
  }
  try {
    const out = await loading;
    return { json: out.entry.json, source: read !== undefined ? 'miss' : 'bypass', entry: out.entry, data: out.data };
  } catch (err) {
    // The stale copy only from the current epoch: a post edited, made private or deleted since it was cached
    // must not come back through an outage (a 503 instead), nor a copy older than staleMs.
    if (
      entry &&
      sameEpoch &&
      age < opts.staleMs &&
      err instanceof DependencyUnavailableError &&
      err.dependency === 'postgres'
    )
      return { json: entry.json, source: 'stale', entry };
    throw err;
  }
}

function remember(id: string, entry: CachedEntry): void {
  memos.delete(id);
  if (memos.size >= MEMO_MAX) memos.delete(memos.keys().next().value as string);
  memos.set(id, entry);
}

/** The same cache, parsed: for callers that need the data itself rather than its bytes. */
export async function readThrough<T>(
  redis: RedisService,
  k: CacheKey,
  opts: CacheOptions,
  load: () => Promise<T>,
): Promise<{ data: T; source: CacheSource }> {
  const out = await readThroughJson(redis, k, opts, load);
  return { data: out.data !== undefined ? out.data : (JSON.parse(out.json) as T), source: out.source };
}

export async function invalidate(redis: RedisService, key: string): Promise<void> {
  await redis.tryRun((c) => c.del(key), undefined);
}

/** Marks every cached page as outdated (a post was edited, made private or deleted). */
export async function bumpCacheEpoch(redis: RedisService): Promise<void> {
  await redis.tryRun((c) => c.incr(EPOCH_KEY), undefined);
}
