import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startFeatureHarness } from '../feature-testing.ts';
import type { FeatureHarness, TestUser } from '../feature-testing.ts';

let h: FeatureHarness;
let alice: TestUser;

beforeAll(async () => {
  h = await startFeatureHarness();
  alice = await h.user();
});
afterAll(async () => h?.stop());

const count = async (body: string) =>
  Number((await h.pool.query('SELECT count(*) FROM posts WHERE body = $1', [body])).rows[0].count);

describe('Idempotency-Key on POST /v1/posts', () => {
  it('replays the same 201 for the same key and body, creating one post', async () => {
    const req = { token: alice.token, body: { body: 'once only' }, headers: { 'idempotency-key': 'k-same-1' } };
    const first = await call(h.target.url, 'POST', '/v1/posts', req);
    const second = await call(h.target.url, 'POST', '/v1/posts', req);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await count('once only')).toBe(1);
    // The stored answer is the post as it is read back, to the millisecond.
    const read = await call(h.target.url, 'GET', `/v1/posts/${first.body.id}`, { token: alice.token });
    expect(read.body).toEqual(first.body);
  });

  it('answers 422 naming the header when the key is reused with a different body', async () => {
    await call(h.target.url, 'POST', '/v1/posts', {
      token: alice.token,
      body: { body: 'first body' },
      headers: { 'idempotency-key': 'k-diff' },
    });
    const reuse = await call(h.target.url, 'POST', '/v1/posts', {
      token: alice.token,
      body: { body: 'other body' },
      headers: { 'idempotency-key': 'k-diff' },
    });
    expect(reuse.status).toBe(422);
    expect(reuse.body.errors[0].field).toBe('headers.idempotency-key');
    expect(await count('other body')).toBe(0);
  });

  it('creates exactly one post when 20 requests with one key race', async () => {
    const req = { token: alice.token, body: { body: 'raced' }, headers: { 'idempotency-key': 'k-race' } };
    const all = await Promise.all(Array.from({ length: 20 }, () => call(h.target.url, 'POST', '/v1/posts', req)));
    expect(all.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(all.map((r) => r.body.id)).size).toBe(1);
    expect(await count('raced')).toBe(1);
  });

  it('scopes keys per user and rejects a malformed key with 422', async () => {
    const bob = await h.user();
    const a = await call(h.target.url, 'POST', '/v1/posts', {
      token: alice.token,
      body: { body: 'per user' },
      headers: { 'idempotency-key': 'k-shared' },
    });
    const b = await call(h.target.url, 'POST', '/v1/posts', {
      token: bob.token,
      body: { body: 'per user' },
      headers: { 'idempotency-key': 'k-shared' },
    });
    expect(a.body.id).not.toBe(b.body.id);
    const bad = await call(h.target.url, 'POST', '/v1/posts', {
      token: alice.token,
      body: { body: 'x' },
      headers: { 'idempotency-key': 'x'.repeat(300) },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('headers.idempotency-key');
  });
});
