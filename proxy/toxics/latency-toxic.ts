import { z } from 'zod';
import { belowMinimum, count } from './attributes.ts';
import type { StageContext, ToxicDefinition } from './toxic.ts';
import { QueuedStage } from './scheduled-queue.ts';

/**
 * latency: every chunk is delayed by `latency` ± `jitter` ms from the moment
 * it arrived (so a stream is delayed, not throttled), order preserved. An
 * update interrupts, as in Toxiproxy: the chunk being waited on goes at once,
 * and the chunks behind it are delayed by the new latency from their arrival.
 */
class LatencyStage extends QueuedStage {
  constructor(
    attrs: Record<string, number>,
    private readonly ctx: StageContext,
  ) {
    super(attrs);
  }
  private delay(): number {
    const { latency = 0, jitter = 0 } = this.attrs;
    // Go: latency + rand.Int63n(2*jitter) - jitter
    return jitter > 0 ? latency + this.ctx.random.int(jitter * 2) - jitter : latency;
  }
  override write(chunk: Buffer): void {
    const now = performance.now();
    this.queue.push(now + this.delay(), chunk, now);
  }
  override update(attributes: Record<string, number>): void {
    this.attrs = attributes;
    this.queue.restart((arrived) => arrived + this.delay());
  }
}

export const latencyToxic: ToxicDefinition = {
  type: 'latency',
  goStruct: 'LatencyToxic',
  attributes: z.object({ latency: count(), jitter: count() }),
  // Toxiproxy: a negative latency is no delay, a negative jitter no jitter.
  concerns: (a) => belowMinimum(a, { latency: 0, jitter: 0 }),
  create: (attrs, ctx) => new LatencyStage(attrs, ctx),
};
