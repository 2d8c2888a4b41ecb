import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startFeatureHarness } from '../feature-testing.ts';
import type { FeatureHarness, TestUser } from '../feature-testing.ts';

let h: FeatureHarness;
let alice: TestUser;
let bob: TestUser;
let editor: TestUser;

beforeAll(async () => {
  h = await startFeatureHarness();
  alice = await h.user();
  bob = await h.user();
  editor = await h.user('editor');
});
afterAll(async () => h?.stop());

describe('posts', () => {
  it('creates a post and returns it with counts, then reads it back', async () => {
    const created = await call(h.target.url, 'POST', '/v1/posts', {
      token: alice.token,
      body: { body: 'hello world' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      authorId: alice.id,
      body: 'hello world',
      visibility: 'public',
      likeCount: 0,
      commentCount: 0,
    });
    expect(created.headers.get('location')).toBe(`/v1/posts/${created.body.id}`);
    const read = await call(h.target.url, 'GET', `/v1/posts/${created.body.id}`, { token: bob.token });
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(created.body.id);
  });

  it('ignores mass-assigned fields (authorId, likeCount, id)', async () => {
    const forged = await call(h.target.url, 'POST', '/v1/posts', {
      token: bob.token,
      body: { body: 'mine', authorId: alice.id, likeCount: 1000, id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(forged.status).toBe(201);
    expect(forged.body).toMatchObject({ authorId: bob.id, likeCount: 0 });
    expect(forged.body.id).not.toBe('00000000-0000-4000-8000-000000000000');
  });

  it('answers 401 without a token and 422 naming the field for a bad body or limit', async () => {
    expect((await call(h.target.url, 'POST', '/v1/posts', { body: { body: 'x' } })).status).toBe(401);
    expect((await call(h.target.url, 'GET', '/v1/posts')).status).toBe(401);
    const empty = await call(h.target.url, 'POST', '/v1/posts', { token: alice.token, body: { body: '' } });
    expect(empty.status).toBe(422);
    expect(empty.body.errors[0].field).toBe('body');
    const long = await call(h.target.url, 'POST', '/v1/posts', {
      token: alice.token,
      body: { body: 'x'.repeat(5001) },
    });
    expect(long.status).toBe(422);
    expect(
      (await call(h.target.url, 'POST', '/v1/posts', { token: alice.token, body: { body: 'a\u0000b' } })).status,
    ).toBe(422);
    const vis = await call(h.target.url, 'POST', '/v1/posts', {
      token: alice.token,
      body: { body: 'x', visibility: 'friends' },
    });
    expect(vis.body.errors[0].field).toBe('visibility');
    const limit = await call(h.target.url, 'GET', '/v1/posts?limit=101', { token: alice.token });
    expect(limit.status).toBe(422);
    expect(limit.body.errors[0].field).toBe('query.limit');
    const cursor = await call(h.target.url, 'GET', '/v1/posts?cursor=garbage', { token: alice.token });
    expect(cursor.status).toBe(422);
    expect(cursor.body.errors[0].field).toBe('query.cursor');
    const forged = Buffer.from(
      JSON.stringify(['2026-02-30 10:00:00+00', '00000000-0000-4000-8000-000000000000']),
    ).toString('base64url');
    expect((await call(h.target.url, 'GET', `/v1/posts?cursor=${forged}`, { token: alice.token })).status).toBe(422);
    const id = await call(h.target.url, 'GET', '/v1/posts/not-a-uuid', { token: alice.token });
    expect(id.status).toBe(422);
    expect(id.body.errors[0].field).toBe('params.id');
  });

  it('pages through posts newest first with opaque cursors and no duplicates', async () => {
    const author = await h.user();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push(
        (await call(h.target.url, 'POST', '/v1/posts', { token: author.token, body: { body: `p${i}` } })).body.id,
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/posts?authorId=${author.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await call(h.target.url, 'GET', q, { token: bob.token });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((p: { id: string }) => p.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('keeps private posts from other users: 404 on read, patch and delete; the owner and an editor can', async () => {
    const priv = await call(h.target.url, 'POST', '/v1/posts', {
      token: alice.token,
      body: { body: 'secret', visibility: 'private' },
    });
    const path = `/v1/posts/${priv.body.id}`;
    expect((await call(h.target.url, 'GET', path, { token: bob.token })).status).toBe(404);
    expect((await call(h.target.url, 'PATCH', path, { token: bob.token, body: { body: 'pwned' } })).status).toBe(404);
    expect((await call(h.target.url, 'DELETE', path, { token: bob.token })).status).toBe(404);
    const list = await call(h.target.url, 'GET', `/v1/posts?authorId=${alice.id}&limit=100`, { token: bob.token });
    expect(list.body.items.map((p: { id: string }) => p.id)).not.toContain(priv.body.id);
    expect((await call(h.target.url, 'GET', path, { token: alice.token })).body.body).toBe('secret');
    expect((await call(h.target.url, 'GET', path, { token: editor.token })).status).toBe(200);
    const unchanged = await h.pool.query('SELECT body FROM posts WHERE id = $1', [priv.body.id]);
    expect(unchanged.rows[0].body).toBe('secret');
  });

  it('answers the first page of public posts from a cache fresh for 1 s: a new post shows after it, a deleted one at once', async () => {
    const url = '/v1/posts?limit=7';
    await h.pool.query(`INSERT INTO posts (author_id, body) SELECT $1, 'filler ' || i FROM generate_series(1, 8) i`, [
      bob.id,
    ]);
    const first = await call(h.target.url, 'GET', url, { token: bob.token });
    expect(first.status).toBe(200);
    // A post written behind the API's back (no cache epoch bump): only the cache can hide it.
    const sneaked = await h.pool.query<{ id: string }>(
      `INSERT INTO posts (author_id, body) VALUES ($1, 'written behind the cache') RETURNING id`,
      [alice.id],
    );
    const again = await call(h.target.url, 'GET', url, { token: alice.token });
    expect(again.headers.get('x-cache')).toBe('hit');
    expect(again.body).toEqual(first.body);
    const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((p) => p.id);
    expect(ids(again)).not.toContain(sneaked.rows[0]?.id);
    // Later pages and an author's list are read from PostgreSQL each time.
    const byAuthor = await call(h.target.url, 'GET', `/v1/posts?authorId=${alice.id}&limit=7`, { token: bob.token });
    expect(byAuthor.headers.get('x-cache')).toBeNull();
    expect(ids(byAuthor)).toContain(sneaked.rows[0]?.id);
    const next = await call(h.target.url, 'GET', `/v1/posts?limit=7&cursor=${first.body.nextCursor}`, {
      token: bob.token,
    });
    expect(next.status).toBe(200);
    expect(next.headers.get('x-cache')).toBeNull();

    await new Promise((r) => setTimeout(r, 1_100));
    const later = await call(h.target.url, 'GET', url, { token: bob.token });
    expect(later.headers.get('x-cache')).toBe('miss');
    expect(ids(later)[0]).toBe(sneaked.rows[0]?.id);
    // Deleted through the API: the epoch moves, the cached page is not answered again.
    const hit = await call(h.target.url, 'GET', url, { token: bob.token });
    expect(hit.headers.get('x-cache')).toBe('hit');
    expect((await call(h.target.url, 'DELETE', `/v1/posts/${ids(later)[0]}`, { token: alice.token })).status).toBe(204);
    const afterDelete = await call(h.target.url, 'GET', url, { token: bob.token });
    expect(afterDelete.headers.get('x-cache')).toBe('miss');
    expect(ids(afterDelete)).not.toContain(sneaked.rows[0]?.id);
  });

  it('lets only the author or an editor change a public post (403 for others)', async () => {
    const post = await call(h.target.url, 'POST', '/v1/posts', { token: alice.token, body: { body: 'public' } });
    const path = `/v1/posts/${post.body.id}`;
    expect((await call(h.target.url, 'PATCH', path, { token: bob.token, body: { body: 'pwned' } })).status).toBe(403);
    expect((await call(h.target.url, 'DELETE', path, { token: bob.token })).status).toBe(403);
    expect((await call(h.target.url, 'PATCH', path, { token: alice.token, body: {} })).status).toBe(422);
    const edited = await call(h.target.url, 'PATCH', path, {
      token: alice.token,
      body: { body: 'edited', visibility: 'private' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ body: 'edited', visibility: 'private' });
    expect(
      (await call(h.target.url, 'PATCH', path, { token: editor.token, body: { visibility: 'public' } })).status,
    ).toBe(200);
    expect((await call(h.target.url, 'DELETE', path, { token: editor.token })).status).toBe(204);
    expect((await call(h.target.url, 'GET', path, { token: alice.token })).status).toBe(404);
    expect((await call(h.target.url, 'DELETE', path, { token: alice.token })).status).toBe(404);
  });
});
