import { describe, expect, it } from 'vitest';
import { redactBody, redactExchange } from './redact.ts';

describe('evidence redaction', () => {
  it('redacts secret-named JSON keys, JWTs and password hashes anywhere in a body', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl';
    const body = JSON.stringify({
      user: { email: 'a@example.test', password: 'hunter2', passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$abc$def' },
      accessToken: jwt,
      note: `token ${jwt}`,
    });
    const out = redactBody(body) ?? '';
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('$argon2id$');
    expect(out).not.toContain(jwt);
    expect(out).toContain('a@example.test');
    expect(JSON.parse(out)).toMatchObject({
      user: { password: '[REDACTED]', passwordHash: '[REDACTED]' },
      accessToken: '[REDACTED]',
    });
  });

  it('redacts credentials in headers and URLs but keeps the auth scheme', () => {
    const ev = redactExchange({
      request: {
        method: 'GET',
        url: 'http://h/x?token=abc&q=1',
        headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1' },
      },
      response: {
        status: 200,
        headers: { 'set-cookie': 'sid=2; HttpOnly', 'content-type': 'application/json' },
        body: '{}',
      },
      ms: 1,
      actor: 'A',
    });
    expect(ev.request.headers).toEqual({ authorization: 'Bearer [REDACTED]', cookie: '[REDACTED]' });
    expect(ev.request.url).toBe('http://h/x?token=[REDACTED]&q=1');
    expect(ev.response?.headers).toEqual({ 'set-cookie': '[REDACTED]', 'content-type': 'application/json' });
  });

  it('truncates huge bodies', () => {
    expect((redactBody('x'.repeat(100_000)) ?? '').length).toBeLessThan(4100);
  });
});
