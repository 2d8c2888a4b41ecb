import { z } from 'zod';
import { belowMinimum, count } from './attributes.ts';
import { PassStage, type StageContext, type ToxicDefinition } from './toxic.ts';

/**
 * timeout: no data passes (it is dropped); once no chunk has reached the toxic
 * for `timeout` ms the connection is closed. Every chunk restarts the timer,
 * as Toxiproxy's select on time.After does, so a client that keeps sending
 * keeps the connection open. timeout 0 holds the connection open forever.
 * Removing the toxic closes the connection (Toxiproxy's Cleanup), since the
 * dropped data broke the stream.
 */
class TimeoutStage extends PassStage {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  constructor(
    private attrs: Record<string, number>,
    private readonly ctx: StageContext,
  ) {
    super();
    this.arm();
  }
  private arm(): void {
    this.disarm();
    const ms = this.attrs.timeout ?? 0;
    if (ms > 0 && !this.closed) this.timer = setTimeout(() => this.close(), ms);
  }
  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
  private close(): void {
    this.disarm();
    if (this.closed) return;
    this.closed = true;
    this.ctx.closeConnection();
  }
  override write(_chunk: Buffer): void {
    // Dropped on the ground, as Toxiproxy does; the idle timer starts again.
    this.arm();
  }
  override end(): void {
    this.close();
  }
  override update(attributes: Record<string, number>): void {
    this.attrs = attributes;
    this.arm();
  }
  override remove(reason: 'removed' | 'replaced'): void {
    this.disarm();
    if (reason === 'removed') this.close();
  }
  override dispose(): void {
    this.disarm();
  }
}

export const timeoutToxic: ToxicDefinition = {
  type: 'timeout',
  goStruct: 'TimeoutToxic',
  attributes: z.object({ timeout: count() }),
  // Toxiproxy: a negative timeout holds the connection forever, as 0 does.
  concerns: (a) => belowMinimum(a, { timeout: 0 }),
  create: (attrs, ctx) => new TimeoutStage(attrs, ctx),
};
