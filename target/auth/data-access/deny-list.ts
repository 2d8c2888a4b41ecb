import { DependencyUnavailableError } from '../../platform/http-errors.ts';
import type { RedisService } from '../../platform/redis.ts';

/**
 * Revoked access-token ids. Redis holds the list shared by every worker
 * (key expires with the token). A small in-process copy also remembers what
 * this worker revoked, so it is honoured here even while Redis is down.
 */
export interface DenyList {
  add(jti: string, expSec: number): Promise<void>;
  /** true = revoked; 'unknown' = Redis could not be asked (the caller decides). */
  has(jti: string): Promise<boolean | 'unknown'>;
}

const key = (jti: string) => `auth:deny:${jti}`;

export function createDenyList(redis: RedisService): DenyList {
  const local = new Map<string, number>();
  const sweep = (nowSec: number) => {
    if (local.size < 1000) return;
    for (const [k, exp] of local) if (exp <= nowSec) local.delete(k);
  };
  return {
    async add(jti, expSec) {
      const nowSec = Math.floor(Date.now() / 1000);
      const ttl = Math.max(1, expSec - nowSec);
      await redis.run((c) => c.set(key(jti), '1', 'EX', ttl));
      sweep(nowSec);
      local.set(jti, expSec);
    },
    async has(jti) {
      if (local.has(jti)) return true;
      try {
        return (await redis.run((c) => c.exists(key(jti)))) === 1;
      } catch (err) {
        if (err instanceof DependencyUnavailableError) return 'unknown';
        throw err;
      }
    },
  };
}
