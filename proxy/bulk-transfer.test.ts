import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connect, proxyTo, startTcpServer } from './testing.ts';

describe('bulk transfer with no toxics', () => {
  it('carries 24 MB each way at once, byte for byte, with writes batched and the sources paused under backpressure', async () => {
    const size = 24 << 20;
    const upload = Buffer.alloc(size);
    const download = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) {
      upload.writeUInt32LE((i * 2654435761) >>> 0, i);
      download.writeUInt32LE((i * 40503 + 7) >>> 0, i);
    }
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    // Both directions at once; the server closes once it has the whole upload (a half-close through the proxy
    // closes both sides, as in Toxiproxy, so neither side half-closes while the other still sends).
    let serverGot: Promise<string> = Promise.resolve('');
    await using server = await startTcpServer((s) => {
      const hash = createHash('sha256');
      let received = 0;
      serverGot = new Promise((resolve) => {
        s.on('data', (d: Buffer) => {
          hash.update(d);
          received += d.length;
          if (received === size) {
            resolve(hash.digest('hex'));
            s.end();
          }
        });
      });
      s.write(download);
    });
    await using proxy = await proxyTo(server.address);
    const client = await connect(proxy.listen);
    const hash = createHash('sha256');
    let clientBytes = 0;
    const clientGot = new Promise<string>((resolve) => {
      client.on('data', (d: Buffer) => {
        clientBytes += d.length;
        hash.update(d);
      });
      client.on('end', () => resolve(hash.digest('hex')));
    });
    client.write(upload);
    expect(await clientGot).toBe(digest(download));
    expect(clientBytes).toBe(size);
    expect(await serverGot).toBe(digest(upload));
  });
});
