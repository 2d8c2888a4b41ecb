import type { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../../platform/http-errors.ts';
import type { RedisService } from '../../platform/redis.ts';

/**
 * Revoked access-token ids. Redis holds the list shared by every worker and
 * instance (`auth:deny:<jti>`, expiring with the token); each worker keeps a
 * mirror of it, so that checking a token is not a Redis round trip on every
 * request:
 *
 * - a revocation sets its key, adds the id to the sorted set `auth:denied`
 *   (score: the token's expiry; expired ids are trimmed in the same step) and
 *   publishes `<jti> <exp>` on `auth:deny`, in one transaction; every worker's
 *   subscription adds it to its mirror;
 * - a subscription that (re)connects first subscribes, then loads the ids not
 *   yet expired from `auth:denied` (one ZRANGEBYSCORE), and only then is the
 *   mirror trusted: nothing revoked while it was away is missed;
 * - the mirror is trusted while its connection answers: one ping at a time,
 *   every `pingEveryMs`; an answer shows every message published before the
 *   ping was sent has arrived. No answer to a ping sent within `staleAfterMs`
 *   (Redis gone, a slow link) sends has() back to asking Redis (EXISTS) on each
 *   call, as without a mirror; Redis unreachable there is 'unknown' (the caller
 *   decides).
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
  /** Trust the mirror only if a ping sent this recently was answered (default 1,500 ms). */
  staleAfterMs?: number;
  /** Drop expired ids from the mirror this often (default 60 s). */
  sweepEveryMs?: number;
}

export const DENY_CHANNEL = 'auth:deny';
/** Every revoked id not yet expired, scored by its expiry (epoch seconds): what a (re)connected mirror loads. */
export const DENIED_SET = 'auth:denied';
const key = (jti: string) => `auth:deny:${jti}`;

/** Every revoked id in Redis with its expiry (epoch seconds); any failure throws (the sync is retried). */
async function loadAll(c: Redis): Promise<Array<[string, number]>> {
  const flat = await c.zrangebyscore(DENIED_SET, Math.floor(Date.now() / 1000), '+inf', 'WITHSCORES');
  const out: Array<[string, number]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, Number(flat[i + 1])]);
  return out;
}

export function createDenyList(redis: RedisService, opts: DenyListOptions = {}): DenyList {
  const pingEveryMs = opts.pingEveryMs ?? 500;
  const staleAfterMs = opts.staleAfterMs ?? 1500;
  const sweepEveryMs = opts.sweepEveryMs ?? 60_000;
  // The mirror, and this worker's own revocations (honoured here even while Redis is down): jti → exp (s).
  const revoked = new Map<string, number>();
  let inSync = false;
  let syncing = false;
  /** When the last answered ping (or the load) was sent: the mirror holds everything published before it. */
  let lastHeard = 0;
  let pinging = false;
  /** Bumped when the subscription's connection closes: a load begun before that is not trusted. */
  let connection = 0;
  let lastSweep = Date.now();
  let stopped = false;

  const sub = redis.duplicateForBlocking('deny-list', { autoResubscribe: false });
  sub.on('message', (channel: string, payload: string) => {
    if (channel !== DENY_CHANNEL) return;
    const [jti, exp] = payload.split(' ');
    if (jti) revoked.set(jti, Number(exp) || Math.floor(Date.now() / 1000) + 3600);
  });
  sub.on('close', () => {
    inSync = false;
    connection++;
  });
  const sync = async () => {
    if (syncing || stopped || sub.status !== 'ready') return;
    syncing = true;
    const at = connection;
    try {
      await sub.subscribe(DENY_CHANNEL);
      const loadAt = Date.now();
      const all = await redis.run(loadAll);
      for (const [jti, exp] of all) revoked.set(jti, exp);
      if (at === connection) {
        lastHeard = loadAt;
        inSync = true;
      }
    } catch {
      // Not in sync: has() asks Redis; the next tick tries again.
    } finally {
      syncing = false;
    }
  };
  sub.on('ready', () => void sync());
  const ping = () => {
    if (pinging) return; // one at a time: a frozen Redis does not pile them up
    pinging = true;
    const sentAt = Date.now();
    const at = connection;
    sub.ping().then(
      () => {
        pinging = false;
        if (at === connection) lastHeard = sentAt;
      },
      () => (pinging = false),
    );
  };
  const sweep = (now: number) => {
    lastSweep = now;
    const nowSec = Math.floor(now / 1000);
    for (const [jti, exp] of revoked) if (exp <= nowSec) revoked.delete(jti);
  };
  const tick = setInterval(() => {
    const now = Date.now();
    if (now - lastSweep >= sweepEveryMs) sweep(now);
    if (sub.status !== 'ready') return;
    if (!inSync) void sync();
    else ping();
  }, pingEveryMs);
  tick.unref();
  sub.connect().catch(() => {}); // retried in the background (retryStrategy); until then has() asks Redis

  const mirrored = () => inSync && Date.now() - lastHeard < staleAfterMs;
  return {
    async add(jti, expSec) {
      const nowSec = Math.floor(Date.now() / 1000);
      const ttl = Math.max(1, expSec - nowSec);
      const replies = await redis.run((c) =>
        c
          .multi()
          .set(key(jti), '1', 'EX', ttl)
          .zadd(DENIED_SET, expSec, jti)
          .zremrangebyscore(DENIED_SET, '-inf', `(${nowSec}`)
          .publish(DENY_CHANNEL, `${jti} ${expSec}`)
          .exec(),
      );
      const failed = replies?.find(([err]) => err)?.[0];
      if (!replies || failed) throw failed ?? new Error('the deny-list transaction was discarded');
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
      stopped = true;
      inSync = false;
      clearInterval(tick);
      sub.disconnect();
    },
  };
}
