import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { getFreePort } from './net.ts';
import { parseProfile } from './profile.ts';
import { assertReachable, baseUrlText, parseTargetUrl } from './target-url.ts';

describe('values a person gives, parsed once', () => {
  it('a target URL is http or https; anything else is RAMPART_TARGET_URL_INVALID naming the flag and the value', () => {
    expect(parseTargetUrl('http://127.0.0.1:3000/').href).toBe('http://127.0.0.1:3000/');
    expect(parseTargetUrl('https://api.example.test/v1').pathname).toBe('/v1');
    for (const bad of ['not a url', 'ftp://127.0.0.1', '127.0.0.1:3000']) {
      expect(() => parseTargetUrl(bad, '--target')).toThrow(
        expect.objectContaining({
          code: 'RAMPART_TARGET_URL_INVALID',
          message: `--target must be an http(s) URL, got "${bad}"`,
          hint: 'write it like --target http://127.0.0.1:3000',
        }),
      );
    }
  });

  it('the base text drops the trailing slash only', () => {
    expect(baseUrlText(new URL('http://127.0.0.1:3000'))).toBe('http://127.0.0.1:3000');
    expect(baseUrlText(new URL('http://h:1/api/'))).toBe('http://h:1/api');
  });

  it('a profile is quick or full; anything else is RAMPART_PROFILE_INVALID naming the flag', () => {
    expect(parseProfile('full', '--profile')).toBe('full');
    expect(() => parseProfile('huge', '--profile')).toThrow(
      expect.objectContaining({
        code: 'RAMPART_PROFILE_INVALID',
        message: '--profile must be quick or full, got "huge"',
      }),
    );
  });

  it('reachability: a listening port answers, a free one is RAMPART_TARGET_UNREACHABLE naming the URL', async () => {
    const srv = net.createServer((s) => s.end());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      await expect(assertReachable(new URL(`http://127.0.0.1:${port}`))).resolves.toBeUndefined();
    } finally {
      await new Promise((r) => srv.close(r));
    }
    const free = await getFreePort();
    await expect(assertReachable(new URL(`http://127.0.0.1:${free}/`))).rejects.toMatchObject({
      code: 'RAMPART_TARGET_UNREACHABLE',
      message: `cannot reach http://127.0.0.1:${free}`,
    });
  });
});
