import { describe, expect, it } from 'vitest';
import { parseAuthConfig } from './auth-config.ts';
import { credentials } from './auth.ts';

describe('how a session is presented', () => {
  it('a bearer header by default', () => {
    expect(credentials(parseAuthConfig({}), { token: 't0k', cookies: {} })).toEqual({
      headers: { authorization: 'Bearer t0k' },
      query: '',
    });
  });

  it('a cookie token goes back in its cookie when no sendToken is given, with the other cookies the login set', () => {
    const cfg = parseAuthConfig({ login: { path: '/login', token: { source: 'cookie', name: 'sid' } } });
    expect(credentials(cfg, { token: 's1', cookies: { sid: 'old', lang: 'en' } }).headers).toEqual({
      cookie: 'sid=s1; lang=en',
    });
  });

  it('both a header and a cookie, or per path', () => {
    const both = parseAuthConfig({ sendToken: [{ in: 'header' }, { in: 'cookie', name: 'token', prefix: '' }] });
    expect(credentials(both, { token: 'x', cookies: {} }).headers).toEqual({
      authorization: 'Bearer x',
      cookie: 'token=x',
    });
    const perPath = parseAuthConfig({
      sendToken: [
        { in: 'header', paths: '^/api/' },
        { in: 'cookie', name: 'token', prefix: '', paths: '^/rest/' },
      ],
    });
    expect(credentials(perPath, { token: 'x', cookies: {} }, '/api/items?x=1').headers).toEqual({
      authorization: 'Bearer x',
    });
    expect(credentials(perPath, { token: 'x', cookies: {} }, '/rest/basket/1').headers).toEqual({ cookie: 'token=x' });
  });

  it('cookie sessions without a token send only the cookies; sendCookies: false sends none', () => {
    const cfg = parseAuthConfig({ login: { path: '/login', token: { source: 'none' } } });
    expect(credentials(cfg, { token: null, cookies: { connect_sid: 'abc' } }).headers).toEqual({
      cookie: 'connect_sid=abc',
    });
    expect(credentials(parseAuthConfig({ sendCookies: false }), { token: null, cookies: { a: 'b' } }).headers).toEqual(
      {},
    );
  });

  it('a capture must say where its value is, exactly once', () => {
    expect(() => parseAuthConfig({ captures: [{ name: 'bid' }] })).toThrow(
      /captures\[0\]: give exactly one of pointer, header or cookie/,
    );
  });
});
