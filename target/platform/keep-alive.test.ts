import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTarget } from '../testing.ts';
import type { TestTarget } from '../testing.ts';

let target: TestTarget;
let connections = 0;
beforeAll(async () => {
  target = await startTestTarget();
  target.server.server.on('connection', () => {
    connections += 1;
  });
});
afterAll(async () => target?.stop());

describe('keep-alive', () => {
  it('tells clients to keep an idle connection 65 s, and a request after 6 s of think time reuses it', async () => {
    const client = new Client(target.url);
    try {
      const first = await client.request({ path: '/livez', method: 'GET' });
      await first.body.text();
      expect(first.headers['keep-alive']).toBe('timeout=65');
      const opened = connections;
      // Longer than the 5 s Node (and undici, without a hint) default to: the connection would be gone by now.
      await new Promise((r) => setTimeout(r, 6000));
      const second = await client.request({ path: '/livez', method: 'GET' });
      await second.body.text();
      expect(second.statusCode).toBe(200);
      expect(connections).toBe(opened);
    } finally {
      await client.close();
    }
  }, 30_000);
});
