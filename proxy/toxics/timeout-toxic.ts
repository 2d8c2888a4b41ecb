import { z } from 'zod';
import { belowMinimum, count } from './attributes.ts';
import { PassStage, type StageContext, type ToxicDefinition } from './toxic.ts';

/**
 * timeout: no data passes (it is dropped); after `timeout` ms the connection
 * is closed. timeout 0 holds the connection open forever. Removing the toxic
 * closes the connection (Toxiproxy's Cleanup), since the dropped data broke the stream.
 */
class TimeoutStage extends PassStage {
  private timer: NodeJS.Timeout | null = null;
  constructor(private attrs: Record<string, number>, private readonly ctx: StageContext) {
    super();
    this.arm();
  }
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ms = this.attrs.timeout ?? 0;
    if (ms > 0) this.timer = setTimeout(() => this.ctx.closeConnection(), ms);
  }
  override write(_chunk: Buffer): void {
    // Dropped on the ground, as Toxiproxy does.
  }
  override update(attributes: Record<string, number>): void {
    this.attrs = attributes;
    this.arm();
  }
  override remove(reason: 'removed' | 'replaced'): void {
    if (this.timer) clearTimeout(this.timer);
    if (reason === 'removed') this.ctx.closeConnection();
  }
  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

export const timeoutToxic: ToxicDefinition = {
  type: 'timeout',
  attributes: z.object({ timeout: count() }),
  // Toxiproxy: a negative timeout holds the connection forever, as 0 does.
  concerns: (a) => belowMinimum(a, { timeout: 0 }),
  create: (attrs, ctx) => new TimeoutStage(attrs, ctx),
};
