import { z } from 'zod';
import { count } from './attributes.ts';
import type { ToxicDefinition } from './toxic.ts';
import { QueuedStage } from './scheduled-queue.ts';

/**
 * bandwidth: at most `rate` KB/s (1 KB = 1000 bytes, as in Toxiproxy: a chunk
 * of n bytes takes n/rate ms). Large chunks are cut into pieces of about
 * 10 ms each so the stream flows smoothly instead of in bursts. rate 0 = no limit.
 */
class BandwidthStage extends QueuedStage {
  override write(chunk: Buffer): void {
    const rate = this.attrs.rate ?? 0;
    if (rate <= 0) {
      this.queue.push(0, chunk);
      return;
    }
    const bytesPerMs = rate; // KB/s == bytes/ms
    const piece = Math.max(512, bytesPerMs * 10);
    let at = Math.max(performance.now(), this.queue.lastAt);
    for (let offset = 0; offset < chunk.length; offset += piece) {
      const part = chunk.subarray(offset, Math.min(chunk.length, offset + piece));
      at += part.length / bytesPerMs;
      this.queue.push(at, part);
    }
  }
}

export const bandwidthToxic: ToxicDefinition = {
  type: 'bandwidth',
  attributes: z.object({ rate: count() }),
  create: (attrs) => new BandwidthStage(attrs),
};
