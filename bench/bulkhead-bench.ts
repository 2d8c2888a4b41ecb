/**
 * Does the argon2 bulkhead keep reads fast during a login storm?
 *
 * One in-process target on an embedded PostgreSQL and a redis-server, three
 * phases of the same length, measured in the same run:
 *   1. reads alone (GET /v1/users/{id}, closed loop, 10 connections);
 *   2. reads + a login storm (POST /v1/auth/login, 40 connections) with the bulkhead
 *      (ARGON2_CONCURRENCY=1, queue 200: excess logins wait or are shed with 503);
 *   3. the same storm without it (ARGON2_CONCURRENCY=64, queue 100000).
 * Prints read rate and p50/p95/p99 per phase, login rate and status mix, and
 * the ratio of read p95 with/without the bulkhead. autocannon is the load
 * generator (closed model: fine for a side-by-side ratio, not for absolute SLOs).
 *
 *   npm run bench:platform [-- --duration 8]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { startPostgres, startRedis } from '../stack/index.ts';
import { loadTargetConfig, startTarget } from '../target/index.ts';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' } } });
const duration = Math.max(2, Number(values.duration));

const run = (opts: autocannon.Options) =>
  new Promise<Result>((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });

async function phase(name: string, env: Record<string, string>, pgUrl: string, redisUrl: string, storm: boolean) {
  const config = loadTargetConfig({
    DATABASE_URL: pgUrl,
    REDIS_URL: redisUrl,
    PORT: '0',
    WORKERS: '1',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_ANON_PER_MINUTE: '1000000',
    LOGIN_MAX_FAILURES_PER_IP: '1000000',
    ...env,
  });
  await using target = await startTarget(config);
  const email = `bench-${Date.now()}@example.test`;
  const reg = await fetch(`${target.url}/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'password123!', handle: `b_${Date.now() % 1e6}` }),
  });
  const { user } = (await reg.json()) as { user: { id: string } };
  const reads = run({ url: `${target.url}/v1/users/${user.id}`, connections: 10, duration });
  const logins = storm
    ? run({
        url: `${target.url}/v1/auth/login`,
        method: 'POST',
        connections: 40,
        duration,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'password123!' }),
      })
    : undefined;
  const [r, l] = await Promise.all([reads, logins]);
  return { name, r, l };
}

const pg = await startPostgres();
const redis = await startRedis();
try {
  console.log(
    `bulkhead bench: ${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${new Date().toISOString()}, ${duration} s per phase`,
  );
  const results = [
    await phase('reads alone', {}, pg.url, redis.url, false),
    await phase(
      'reads + login storm, bulkhead (argon2 ×1)',
      { ARGON2_CONCURRENCY: '1', ARGON2_MAX_QUEUE: '200' },
      pg.url,
      redis.url,
      true,
    ),
    await phase(
      'reads + login storm, no bulkhead (argon2 ×64)',
      { ARGON2_CONCURRENCY: '64', ARGON2_MAX_QUEUE: '100000' },
      pg.url,
      redis.url,
      true,
    ),
  ];
  for (const { name, r, l } of results) {
    const errors = r.non2xx + r.errors + r.timeouts;
    console.log(
      `${name.padEnd(46)} reads ${r.requests.average.toFixed(0).padStart(5)}/s p50 ${r.latency.p50} ms p97.5 ${r.latency.p97_5} ms p99 ${r.latency.p99} ms errors ${errors}` +
        (l
          ? ` | logins ${l.requests.average.toFixed(1)}/s 2xx ${l['2xx']} non-2xx ${l.non2xx} p99 ${l.latency.p99} ms`
          : ''),
    );
  }
  const [, withB, without] = results;
  if (withB && without) {
    console.log(
      `read p99 with/without bulkhead: ${(withB.r.latency.p99 / Math.max(1, without.r.latency.p99)).toFixed(2)}; read rate with/without: ${(withB.r.requests.average / Math.max(1, without.r.requests.average)).toFixed(2)}`,
    );
  }
} finally {
  await redis.stop();
  await pg.stop();
}
