import { z } from 'zod';
import { belowMinimum, count } from './attributes.ts';
import { PassStage, type StageContext, type ToxicDefinition } from './toxic.ts';

/**
 * reset_peer: when data (or the end of stream) arrives, wait `timeout` ms,
 * then abort the connection with a TCP RST (the peer gets ECONNRESET). Data
 * is not passed on meanwhile.
 */
class ResetPeerStage extends PassStage {
  private timer: NodeJS.Timeout | null = null;
  constructor(private attrs: Record<string, number>, private readonly ctx: StageContext) {
    super();
  }
  private trigger(): void {
    if (this.timer) return;
    const ms = this.attrs.timeout ?? 0;
    this.timer = setTimeout(() => this.ctx.resetConnection(), ms);
  }
  override write(_chunk: Buffer): void {
    this.trigger();
  }
  override end(): void {
    this.trigger();
  }
  override update(attributes: Record<string, number>): void {
    this.attrs = attributes;
  }
  override remove(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

export const resetPeerToxic: ToxicDefinition = {
  type: 'reset_peer',
  attributes: z.object({ timeout: count() }),
  concerns: (a) => belowMinimum(a, { timeout: 0 }),
  create: (attrs, ctx) => new ResetPeerStage(attrs, ctx),
};
