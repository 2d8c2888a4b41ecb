import type { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../../platform/http-errors.ts';
import type { RedisService } from '../../platform/redis.ts';

/**
 * Revoked access-token ids. Redis holds the list shared by every worker and
 * instance (`auth:deny:<jti>`, expiring with the token); each worker keeps a
 * mirror of it, so that checking a token is not a Redis round trip on every
 * request:
 *
 * - a revocation sets its key and publishes `<jti> <exp>` on `auth:deny` in one
 *   transaction; every worker's subscription adds it to its mirror;
 * - a subscription that (re)connects first subscribes, then loads every key
 *   there is (SCAN), and only then is the mirror trusted: nothing revoked while
 *   it was away is missed;
 * - the mirror is trusted while its connection answers: a ping every
 *   `pingEveryMs`, and nothing heard for `staleAfterMs` (Redis gone, a slow
 *   link) sends has() back to asking Redis (EXISTS) on each call, as without a
 *   mirror; Redis unreachable there is 'unknown' (the caller decides).
 *
 * The tolerance: a revocation reaches another worker when Redis delivers the
 * message, which it writes to every subscriber in the same pass as the
 * revoking worker's reply, so it is already on its way when the logout's 204
 * leaves. has() answering from the mirror first lets this turn's I/O run
 * (setImmediate), so a message already readable when the request arrived is
 * applied before the answer. A request that reaches another worker before
 * Redis has written the message there (microseconds on one host; longer only
 * if Redis is descheduled between the two writes) can still pass.
 *
 * No library keeps a Redis set mirrored with invalidation (ioredis gives the
 * subscription; client-side caching needs RESP3, which ioredis does not
 * speak), so the sync is written here.
 */
export interface DenyList {
  add(jti: string, expSec: number): Promise<void>;
  /** true = revoked; 'unknown' = Redis could not be asked (the caller decides). */
  has(jti: string): Promise<boolean | 'unknown'>;
  /** True while has() answers from the mirror without asking Redis. */
  mirrored(): boolean;
  stop(): void;
}

export interface DenyListOptions {
  /** Ping the subscription this often (default 500 ms). */
  pingEveryMs?: number;
  /** Trust the mirror only if the subscription was heard from this recently (default 1,500 ms). */
  staleAfterMs?: number;
}

export const DENY_CHANNEL = 'auth:deny';
const PREFIX = 'auth:deny:';
const key = (jti: string) => `${PREFIX}${jti}`;
const SWEEP_EVERY_MS = 60_000;

/** Every revoked id in Redis with its expiry (epoch seconds). */
async function loadAll(c: Redis): Promise<Array<[string, number]>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await c.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const ttls = (await c.pipeline(keys.map((k) => ['pttl', k])).exec()) ?? [];
  const now = Date.now();
  return keys.map((k, i) => {
    const ms = Number(ttls[i]?.[1]);
    return [k.slice(PREFIX.length), Math.ceil((now + (ms > 0 ? ms : 0)) / 1000)];
  });
}

export function createDenyList(redis: RedisService, opts: DenyListOptions = {}): DenyList {
  const pingEveryMs = opts.pingEveryMs ?? 500;
  const staleAfterMs = opts.staleAfterMs ?? 1500;
  // The mirror, and this worker's own revocations (honoured here even while Redis is down): jti → exp (s).
  const revoked = new Map<string, number>();
  let inSync = false;
  let syncing = false;
  let lastHeard = 0;
  /** Bumped when the subscription's connection closes: a load begun before that is not trusted. */
  let connection = 0;
  let lastSweep = Date.now();

  const sub = redis.duplicateForBlocking('deny-list', { autoResubscribe: false });
  sub.on('message', (channel: string, payload: string) => {
    if (channel !== DENY_CHANNEL) return;
    lastHeard = Date.now();
    const [jti, exp] = payload.split(' ');
    if (jti) revoked.set(jti, Number(exp) || 0);
  });
  sub.on('close', () => {
    inSync = false;
    connection++;
  });
  const sync = async () => {
    if (syncing || sub.status !== 'ready') return;
    syncing = true;
    const at = connection;
    try {
      await sub.subscribe(DENY_CHANNEL);
      const all = await redis.run(loadAll);
      for (const [jti, exp] of all) revoked.set(jti, exp);
      if (at === connection) {
        lastHeard = Date.now();
        inSync = true;
      }
    } catch {
      // Not in sync: has() asks Redis; the next ping tick tries again.
    } finally {
      syncing = false;
    }
  };
  sub.on('ready', () => void sync());
  const sweep = (now: number) => {
    lastSweep = now;
    const nowSec = Math.floor(now / 1000);
    for (const [jti, exp] of revoked) if (exp <= nowSec) revoked.delete(jti);
  };
  const tick = setInterval(() => {
    if (sub.status === 'end') {
      clearInterval(tick);
      return;
    }
    const now = Date.now();
    if (now - lastSweep >= SWEEP_EVERY_MS) sweep(now);
    if (sub.status !== 'ready') return;
    if (!inSync) void sync();
    else
      sub.ping().then(
        () => (lastHeard = Date.now()),
        () => {},
      );
  }, pingEveryMs);
  tick.unref();
  sub.connect().catch(() => {}); // retried in the background (retryStrategy); until then has() asks Redis

  const mirrored = () => inSync && Date.now() - lastHeard < staleAfterMs;
  return {
    async add(jti, expSec) {
      const ttl = Math.max(1, expSec - Math.floor(Date.now() / 1000));
      await redis.run((c) => c.multi().set(key(jti), '1', 'EX', ttl).publish(DENY_CHANNEL, `${jti} ${expSec}`).exec());
      revoked.set(jti, expSec);
    },
    async has(jti) {
      if (revoked.has(jti)) return true;
      if (mirrored()) {
        await new Promise((resolve) => setImmediate(resolve));
        return revoked.has(jti);
      }
      try {
        return (await redis.run((c) => c.exists(key(jti)))) === 1;
      } catch (err) {
        if (err instanceof DependencyUnavailableError) return 'unknown';
        throw err;
      }
    },
    mirrored,
    stop() {
      clearInterval(tick);
      sub.disconnect();
    },
  };
}
