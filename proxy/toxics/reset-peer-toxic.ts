import { z } from 'zod';
import { belowMinimum, count } from './attributes.ts';
import { PassStage, type StageContext, type ToxicDefinition } from './toxic.ts';

/**
 * reset_peer: when data (or the end of stream) arrives, wait `timeout` ms,
 * then close the connection; data is dropped meanwhile. The close is an RST
 * (the peer gets ECONNRESET) on a connection opened while the toxic was on
 * the proxy (Toxiproxy set SO_LINGER 0 on it), a FIN on one opened before.
 * Once started the wait cannot be cut short: Toxiproxy's toxic sleeps without
 * listening for an interrupt, so an update or a removal waits for the close.
 */
class ResetPeerStage extends PassStage {
  private timer: NodeJS.Timeout | null = null;
  private fired = false;
  constructor(
    private attrs: Record<string, number>,
    private readonly ctx: StageContext,
  ) {
    super();
  }
  private trigger(): void {
    if (this.timer || this.fired) return;
    this.timer = setTimeout(
      () => {
        this.fired = true;
        this.ctx.closeConnection();
      },
      Math.max(0, this.attrs.timeout ?? 0),
    );
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
    // A reset already under way still happens (see above).
  }
  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

export const resetPeerToxic: ToxicDefinition = {
  type: 'reset_peer',
  goStruct: 'ResetToxic',
  attributes: z.object({ timeout: count() }),
  concerns: (a) => belowMinimum(a, { timeout: 0 }),
  create: (attrs, ctx) => new ResetPeerStage(attrs, ctx),
};
