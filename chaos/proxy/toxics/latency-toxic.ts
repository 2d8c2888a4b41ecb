import { z } from 'zod';
import { count } from './attributes.ts';
import { PassStage, type StageContext, type ToxicDefinition } from './toxic.ts';
import { ScheduledQueue } from './scheduled-queue.ts';

/**
 * latency: every chunk is delayed by `latency` ± `jitter` ms from the moment
 * it arrived (so a stream is delayed, not throttled), order preserved.
 */
class LatencyStage extends PassStage {
  private readonly queue = new ScheduledQueue(() => this.next);
  constructor(private attrs: Record<string, number>, private readonly ctx: StageContext) {
    super();
  }
  override get buffered(): number {
    return this.queue.buffered;
  }
  private delay(): number {
    const { latency = 0, jitter = 0 } = this.attrs;
    // Go: latency + rand.Int63n(2*jitter) - jitter
    return jitter > 0 ? latency + this.ctx.random.int(jitter * 2) - jitter : latency;
  }
  override write(chunk: Buffer): void {
    this.queue.push(performance.now() + this.delay(), chunk);
  }
  override end(): void {
    this.queue.push(0, null);
  }
  override update(attributes: Record<string, number>): void {
    this.attrs = attributes;
  }
  override remove(): void {
    this.queue.flush();
  }
  override dispose(): void {
    this.queue.dispose();
  }
}

export const latencyToxic: ToxicDefinition = {
  type: 'latency',
  attributes: z.object({ latency: count(), jitter: count() }),
  create: (attrs, ctx) => new LatencyStage(attrs, ctx),
};
