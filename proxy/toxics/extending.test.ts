import { describe, expect, it, vi } from 'vitest';
import { api, connect, proxyTo, readBytes, startEchoServer } from '../testing.ts';
import { codeLines, fileCode, guideExample } from '../../test/guide-examples.ts';
import type * as Registry from './registry.ts';

// docs/extending.md, "A toxic of the fault proxy", step 2: the registry lists the new definition. The example
// (step 1, testing/corrupt-toxic.ts) is not shipped, so this file adds it to the real registry module here; the
// proxy, its API and the sockets below are the real ones.
vi.mock('./registry.ts', async (importOriginal) => {
  const real = await importOriginal<typeof Registry>();
  const { corruptToxic } = await import('./testing/corrupt-toxic.ts');
  const toxicTypes = new Map([...real.toxicTypes, [corruptToxic.type, corruptToxic]]);
  return {
    ...real,
    toxicTypes,
    bodyFieldNames: new Set([...real.bodyFieldNames, ...real.attributeNames(corruptToxic)]),
  };
});

describe('a toxic added the way docs/extending.md says (the example corrupt toxic)', () => {
  it("is the guide's example, line for line", () => {
    expect(fileCode('proxy', 'toxics', 'testing', 'corrupt-toxic.ts')).toEqual(
      codeLines(guideExample('proxy/toxics/corrupt-toxic.ts')),
    );
  });

  it('is listed, applied to open connections through the real proxy, updated and removed', async () => {
    await using echo = await startEchoServer();
    const warnings: string[] = [];
    await using proxy = await proxyTo(echo.address, { warn: (m) => warnings.push(m) });
    const socket = await connect(proxy.listen);
    const roundTrip = async (text: string) => {
      const reading = readBytes(socket, text.length);
      socket.write(text);
      return (await reading).data;
    };
    expect((await roundTrip('abcd')).toString()).toBe('abcd');

    const added = await api<{ name: string; type: string; attributes: Record<string, number> }>(
      proxy.server,
      'POST',
      '/proxies/p/toxics',
      { type: 'corrupt', attributes: { every: 2 } },
    );
    expect(added.status, added.text).toBe(200);
    expect(added.body).toMatchObject({ name: 'corrupt_downstream', type: 'corrupt', attributes: { every: 2 } });
    // Every second byte of the echo comes back inverted; the count runs on across writes.
    const x = (c: string) => String.fromCharCode(c.charCodeAt(0) ^ 0xff);
    expect((await roundTrip('abcd')).toString('latin1')).toBe(`a${x('b')}c${x('d')}`);
    expect((await roundTrip('efg')).toString('latin1')).toBe(`e${x('f')}g`);

    // An update keeps the connection's count (the toxic's state) and takes the new attribute.
    const updated = await api(proxy.server, 'POST', '/proxies/p/toxics/corrupt_downstream', {
      attributes: { every: 3 },
    });
    expect(updated.status, updated.text).toBe(200);
    // 7 bytes counted so far (from the toxic's arrival): the 9th is the next multiple of 3.
    expect((await roundTrip('hij')).toString('latin1')).toBe(`h${x('i')}j`);

    // Its concerns are the proxy's rules like any other toxic's: a negative `every` is accepted with a warning
    // naming the attribute; an unknown type is still refused.
    const listed = await api<{ toxics: Array<{ type: string }> }>(proxy.server, 'GET', '/proxies/p');
    expect(listed.body.toxics.map((t) => t.type)).toEqual(['corrupt']);
    const negative = await api(proxy.server, 'POST', '/proxies/p/toxics', {
      name: 'negative',
      type: 'corrupt',
      attributes: { every: -1 },
    });
    expect(negative.status, negative.text).toBe(200);
    expect(warnings.join('\n')).toMatch(/attributes\.every: must be >= 0 \(got -1\)/);
    expect((await api(proxy.server, 'DELETE', '/proxies/p/toxics/negative')).status).toBe(204);
    expect((await api(proxy.server, 'POST', '/proxies/p/toxics', { type: 'no_such_toxic' })).status).toBe(400);

    expect((await api(proxy.server, 'DELETE', '/proxies/p/toxics/corrupt_downstream')).status).toBe(204);
    expect((await roundTrip('klmn')).toString()).toBe('klmn');
    socket.destroy();
  });
});
