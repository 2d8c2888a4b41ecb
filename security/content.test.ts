import { describe, expect, it } from 'vitest';
import { isCatchAllPage, overlap, revealsProtected } from './content.ts';
import type { Exchange } from './http.ts';

const ex = (status: number, body: string, url = 'http://t/x'): Exchange => ({
  request: { method: 'GET', url, headers: {} },
  response: { status, headers: {}, body },
  ms: 1,
  actor: 'x',
});
const me = ex(200, JSON.stringify({ user: { id: 17, email: 'a@example.test', handle: 'alice' } }));

describe('judging by content', () => {
  it('a 200 with an empty user is not the protected content', () => {
    expect(revealsProtected(me, ex(200, '{"user":{}}'), null)).toMatchObject({ revealed: false, score: 0 });
  });

  it('a 200 carrying the same values is', () => {
    expect(
      revealsProtected(
        me,
        ex(200, JSON.stringify({ user: { id: 17, email: 'a@example.test', handle: 'alice', seen: 'now' } })),
        null,
      ).revealed,
    ).toBe(true);
  });

  it('the catch-all page is never protected content, whatever its status', () => {
    const page = '<html><body><app-root></app-root></body></html>';
    const catchAll = { body: page, status: 200, contentType: 'text/html' };
    expect(isCatchAllPage(catchAll, ex(200, page, 'http://t/.env'))).toBe(true);
    expect(revealsProtected(ex(200, page), ex(200, page, 'http://t/api/me'), catchAll).revealed).toBe(false);
    expect(isCatchAllPage(catchAll, ex(200, 'DB_PASSWORD=hunter2\nAPI_KEY=x', 'http://t/.env'))).toBe(false);
  });

  it('a refusal is not a success, and without a baseline nothing is claimed', () => {
    expect(revealsProtected(me, ex(401, me.response?.body ?? ''), null).revealed).toBe(false);
    expect(revealsProtected(ex(500, 'x'), ex(200, 'x'), null)).toMatchObject({
      revealed: false,
      why: 'no authenticated baseline to compare with',
    });
  });

  it('overlap counts leaf values for JSON and words for text', () => {
    expect(overlap('{"a":"one","b":"two"}', '{"a":"one","b":"other"}')).toBe(0.5);
    expect(overlap('alpha beta gamma delta', 'alpha beta')).toBe(0.5);
  });
});
