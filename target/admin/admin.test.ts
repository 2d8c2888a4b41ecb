import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, registerUser, sqlRows, startTestTarget } from '../testing.ts';
import type { TestTarget } from '../testing.ts';

let t: TestTarget;
const user = () => registerUser(t);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary columns
const sql = (text: string, values: unknown[] = []): Promise<any[]> => sqlRows(t, text, values);

beforeAll(async () => {
  t = await startTestTarget({ env: { RATE_LIMIT_PER_MINUTE: '10000' } });
});
afterAll(async () => {
  await t?.stop();
});

describe('/v1/admin', () => {
  it('is 401 anonymous and 403 for users and editors; an admin lists users by cursor and changes roles', async () => {
    const [plain, admin] = [await user(), await user()];
    await sql("UPDATE users SET role = 'admin' WHERE id = $1", [admin.id]);
    const adminToken = (
      await call(t.url, 'POST', '/v1/auth/login', { body: { email: admin.email, password: admin.password } })
    ).body.accessToken as string;

    expect((await call(t.url, 'GET', '/v1/admin/users')).status).toBe(401);
    expect((await call(t.url, 'GET', '/v1/admin/users', { token: plain.token })).status).toBe(403);
    expect(
      (await call(t.url, 'POST', `/v1/admin/users/${plain.id}/role`, { token: plain.token, body: { role: 'admin' } }))
        .status,
    ).toBe(403);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Array<{ id: string }>; nextCursor: string | null } } = await call(
        t.url,
        'GET',
        `/v1/admin/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: adminToken },
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((i) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const total = Number((await sql('SELECT count(*) AS c FROM users'))[0]!.c);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);

    const promoted = await call(t.url, 'POST', `/v1/admin/users/${plain.id}/role`, {
      token: adminToken,
      body: { role: 'editor' },
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body.user.role).toBe('editor');
    const editorToken = (
      await call(t.url, 'POST', '/v1/auth/login', { body: { email: plain.email, password: plain.password } })
    ).body.accessToken as string;
    expect((await call(t.url, 'GET', '/v1/admin/users', { token: editorToken })).status).toBe(403);

    expect(
      (await call(t.url, 'POST', `/v1/admin/users/${plain.id}/role`, { token: adminToken, body: { role: 'root' } }))
        .status,
    ).toBe(422);
    expect(
      (
        await call(t.url, 'POST', '/v1/admin/users/00000000-0000-4000-8000-000000000000/role', {
          token: adminToken,
          body: { role: 'user' },
        })
      ).status,
    ).toBe(404);
    expect((await call(t.url, 'GET', '/v1/admin/users?cursor=bogus', { token: adminToken })).status).toBe(422);
    expect((await call(t.url, 'GET', '/v1/admin/users?limit=1000', { token: adminToken })).body.errors[0].field).toBe(
      'query.limit',
    );
  });
});
