import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../common/index.ts';
import { loadAuthConfig } from '../auth-config.ts';
import { runScan } from '../run-scan.ts';
import { startShopApp } from '../test-apps/shop-app.ts';
import { shopHar } from '../test-apps/shop-recording.ts';

/**
 * The NoSQL update probe must tell a store that takes the body's id as a query from a server that ignores it.
 * The vulnerable shop's review update (an operator object passed through as a query) is found in
 * scan-shop-app.test.ts; here the same shop's review update changes the caller's own reviews whatever the
 * body's id says and answers them, so the marker comes back although no operator was taken as a query.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rampart-nosql-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('NoSQL operator injection on updates', () => {
  it("does not report an update that ignores the body's id (the control, selecting an id that exists nowhere, changed the object too)", async () => {
    await using app = await startShopApp({ hardened: false, reviewsIgnoreBodyId: true });
    const har = path.join(dir, 'shop.har');
    await writeFile(har, shopHar(app.url));
    const part = await runScan({
      target: new URL(app.url),
      profile: 'quick',
      seed: 13,
      har,
      authConfig: await loadAuthConfig(repoPath('security/fixtures/shop-auth.yaml')),
      signal: AbortSignal.timeout(90_000),
    });
    const notes = part.notes?.join('\n') ?? '';
    expect((part.findings ?? []).filter((f) => f.ruleId === 'rampart-inj-nosql')).toEqual([]);
    expect(notes).toMatch(
      /NoSQL operator injection on updates tried on [1-9]\d* operation\(s\) with an object of the scan's own \(1 changed that object for an operator selecting nothing too/,
    );
    // The update did run as the scan's user on the scan's own review: the marker is there, nobody else's review changed.
    expect(
      app.state.reviews.some((r) => r.author.startsWith('rampart-') && r.message.startsWith('rampart-nosql-control-')),
    ).toBe(true);
    expect(
      app.state.reviews.filter((r) => !r.author.startsWith('rampart-')).every((r) => !r.message.includes('rampart')),
    ).toBe(true);
  }, 90_000);
});
