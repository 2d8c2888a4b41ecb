import { z } from 'zod';
import { belowMinimum, count } from './attributes.ts';
import type { ToxicDefinition } from './toxic.ts';
import { QueuedStage } from './scheduled-queue.ts';

/**
 * bandwidth: at most `rate` KB/s (1 KB = 1000 bytes, as in Toxiproxy: a chunk
 * of n bytes takes n/rate ms). Large chunks are cut into pieces of about
 * 10 ms each so the stream flows smoothly instead of in bursts.
 *
 * rate 0 passes nothing: Toxiproxy 2.12 loops forever on such a chunk, so the
 * data (and the end of the stream) wait until the toxic is updated to a
 * positive rate or removed. A negative rate does the same here; Toxiproxy
 * panics on it (slice bounds out of range) and its whole server exits.
 */
class BandwidthStage extends QueuedStage {
  /** Chunks (null: the end of the stream) held while the rate is 0 or less. */
  private held: (Buffer | null)[] = [];
  private heldBytes = 0;

  override get buffered(): number {
    return this.queue.buffered + this.heldBytes;
  }

  override write(chunk: Buffer): void {
    if ((this.attrs.rate ?? 0) <= 0 || this.held.length > 0) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      return;
    }
    this.schedule(chunk, this.attrs.rate!);
  }

  override end(): void {
    if (this.held.length > 0 || (this.attrs.rate ?? 0) <= 0) this.held.push(null);
    else super.end();
  }

  private schedule(chunk: Buffer, bytesPerMs: number): void {
    // KB/s == bytes/ms
    const piece = Math.max(512, bytesPerMs * 10);
    let at = Math.max(performance.now(), this.queue.lastAt);
    for (let offset = 0; offset < chunk.length; offset += piece) {
      const part = chunk.subarray(offset, Math.min(chunk.length, offset + piece));
      at += part.length / bytesPerMs;
      this.queue.push(at, part);
    }
  }

  private takeHeld(): (Buffer | null)[] {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    return held;
  }

  override update(attributes: Record<string, number>): void {
    super.update(attributes);
    const rate = attributes.rate ?? 0;
    if (rate <= 0) return;
    for (const item of this.takeHeld()) {
      if (item) this.schedule(item, rate);
      else super.end();
    }
  }

  override remove(): void {
    super.remove();
    for (const item of this.takeHeld()) {
      if (item) this.next.write(item);
      else this.next.end();
    }
  }

  override dispose(): void {
    super.dispose();
    this.takeHeld();
  }
}

export const bandwidthToxic: ToxicDefinition = {
  type: 'bandwidth',
  attributes: z.object({ rate: count() }),
  concerns: (a) => belowMinimum(a, { rate: 0 }),
  create: (attrs) => new BandwidthStage(attrs),
};
