/**
 * Test support for the feature tests (imported by *.test.ts only): users are
 * inserted straight into PostgreSQL and given access tokens signed with the
 * test secret, so these tests do not depend on the auth routes.
 */
import pg from 'pg';
import { createAccessTokens } from './auth/index.ts';
import type { Role } from './platform/locals.ts';
import { TEST_JWT_SECRET, call as rawCall, startTestTarget } from './testing.ts';
import type { TestTarget, TestTargetOptions } from './testing.ts';
import { createResponseChecker, openApiDocument } from './openapi/index.ts';

const checkResponse = createResponseChecker(openApiDocument());

/** fetch + JSON, and every response is checked against the OpenAPI document (status documented, body matches its schema). */
export const call: typeof rawCall = async (base, method, path, opts) => {
  const res = await rawCall(base, method, path, opts);
  const problems = checkResponse(method, path, res.status, res.body);
  if (problems.length) throw new Error(`response does not match the OpenAPI document:\n${problems.join('\n')}`);
  return res;
};

export interface TestUser {
  id: string;
  token: string;
  role: Role;
}

export interface FeatureHarness {
  target: TestTarget;
  pool: pg.Pool;
  user(role?: Role): Promise<TestUser>;
  follow(follower: TestUser, followee: TestUser): Promise<void>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

let counter = 0;

export async function startFeatureHarness(opts: TestTargetOptions = {}): Promise<FeatureHarness> {
  // Generous rate limits: these tests are about the features, not the limiter.
  const target = await startTestTarget({ ...opts, env: { RATE_LIMIT_PER_MINUTE: '100000', ...opts.env } });
  const pool = new pg.Pool({ connectionString: target.databaseUrl, max: 3 });
  pool.on('error', () => {});
  const tokens = createAccessTokens(TEST_JWT_SECRET, 3600_000);
  const stop = async () => {
    await pool.end().catch(() => {});
    await target.stop();
  };
  return {
    target,
    pool,
    async user(role: Role = 'user') {
      const n = `${process.pid}-${Date.now()}-${counter++}`;
      const { rows } = await pool.query<{ id: string }>(
        "INSERT INTO users (email, handle, password_hash, role) VALUES ($1, $2, 'x', $3) RETURNING id",
        [`t${n}@example.test`, `t${n}`, role],
      );
      const id = (rows[0] as { id: string }).id;
      return { id, role, token: (await tokens.sign({ id, role })).token };
    },
    async follow(follower, followee) {
      await pool.query('INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        follower.id,
        followee.id,
      ]);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Polls `fn` until it returns a truthy value (bounded: `timeoutMs`). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false | null>,
  timeoutMs = 10_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
