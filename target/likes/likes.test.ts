import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startFeatureHarness } from '../feature-testing.ts';
import type { FeatureHarness, TestUser } from '../feature-testing.ts';

let h: FeatureHarness;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  h = await startFeatureHarness();
  alice = await h.user();
  bob = await h.user();
});
afterAll(async () => h?.stop());

describe('likes and comments', () => {
  it('likes idempotently (twice counts once, concurrent likes count once) and unlikes idempotently', async () => {
    const post = (await call(h.target.url, 'POST', '/v1/posts', { token: alice.token, body: { body: 'like me' } }))
      .body;
    const path = `/v1/posts/${post.id}/like`;
    const likes = await Promise.all(
      Array.from({ length: 5 }, () => call(h.target.url, 'POST', path, { token: bob.token })),
    );
    expect(likes.every((r) => r.status === 200 && r.body.liked === true)).toBe(true);
    // Every answer counts the one like, also those that waited on a concurrent first like.
    expect(likes.map((r) => r.body.likeCount)).toEqual([1, 1, 1, 1, 1]);
    expect((await call(h.target.url, 'POST', path, { token: bob.token })).body.likeCount).toBe(1);
    expect((await call(h.target.url, 'GET', `/v1/posts/${post.id}`, { token: bob.token })).body.likeCount).toBe(1);
    expect((await call(h.target.url, 'DELETE', path, { token: bob.token })).body).toEqual({
      postId: post.id,
      liked: false,
      likeCount: 0,
    });
    expect((await call(h.target.url, 'DELETE', path, { token: bob.token })).body.likeCount).toBe(0);
  });

  it('hides private posts from likes and comments of other users (404), 401 anonymous, 422 bad ids', async () => {
    const priv = (
      await call(h.target.url, 'POST', '/v1/posts', { token: alice.token, body: { body: 'p', visibility: 'private' } })
    ).body;
    expect((await call(h.target.url, 'POST', `/v1/posts/${priv.id}/like`, { token: bob.token })).status).toBe(404);
    expect(
      (await call(h.target.url, 'POST', `/v1/posts/${priv.id}/comments`, { token: bob.token, body: { body: 'hi' } }))
        .status,
    ).toBe(404);
    expect((await call(h.target.url, 'GET', `/v1/posts/${priv.id}/comments`, { token: bob.token })).status).toBe(404);
    expect((await call(h.target.url, 'POST', `/v1/posts/${priv.id}/like`)).status).toBe(401);
    expect((await call(h.target.url, 'POST', '/v1/posts/nope/like', { token: bob.token })).status).toBe(422);
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await call(h.target.url, 'POST', `/v1/posts/${missing}/like`, { token: bob.token })).status).toBe(404);
  });

  it('adds comments, counts them and pages them oldest first', async () => {
    const post = (await call(h.target.url, 'POST', '/v1/posts', { token: alice.token, body: { body: 'discuss' } }))
      .body;
    const path = `/v1/posts/${post.id}/comments`;
    for (const body of ['one', 'two', 'three']) {
      const c = await call(h.target.url, 'POST', path, { token: bob.token, body: { body } });
      expect(c.status).toBe(201);
      expect(c.body).toMatchObject({ postId: post.id, authorId: bob.id, body });
    }
    expect((await call(h.target.url, 'POST', path, { token: bob.token, body: { body: '' } })).status).toBe(422);
    const p1 = await call(h.target.url, 'GET', `${path}?limit=2`, { token: alice.token });
    expect(p1.body.items.map((c: { body: string }) => c.body)).toEqual(['one', 'two']);
    const p2 = await call(h.target.url, 'GET', `${path}?limit=2&cursor=${p1.body.nextCursor}`, { token: alice.token });
    expect(p2.body).toMatchObject({ items: [{ body: 'three' }], nextCursor: null });
    expect((await call(h.target.url, 'GET', `/v1/posts/${post.id}`, { token: alice.token })).body.commentCount).toBe(3);
  });
});
