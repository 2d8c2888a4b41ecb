import { z } from 'zod';
import { belowMinimum, count } from './attributes.ts';
import { PassStage, type StageContext, type ToxicDefinition } from './toxic.ts';

/** limit_data: passes exactly `bytes` bytes, then closes the connection. The count lives for the connection. */
class LimitDataStage extends PassStage {
  private done = false;
  constructor(
    private attrs: Record<string, number>,
    private readonly ctx: StageContext,
    private readonly state: Record<string, number>,
  ) {
    super();
  }
  override write(chunk: Buffer): void {
    if (this.done) return;
    const limit = this.attrs.bytes ?? 0;
    const sent = this.state.transmitted ?? 0;
    const remaining = Math.max(0, limit - sent);
    const part = remaining < chunk.length ? chunk.subarray(0, remaining) : chunk;
    if (part.length > 0) {
      this.state.transmitted = sent + part.length;
      this.next.write(part);
    }
    if ((this.state.transmitted ?? 0) >= limit) {
      this.done = true;
      this.ctx.closeConnection();
    }
  }
  override end(): void {
    if (!this.done) this.next.end();
  }
  override update(attributes: Record<string, number>): void {
    this.attrs = attributes;
  }
}

export const limitDataToxic: ToxicDefinition = {
  type: 'limit_data',
  goStruct: 'LimitDataToxic',
  attributes: z.object({ bytes: count() }),
  // Toxiproxy: a negative limit passes nothing and closes at the first chunk, as 0 does.
  concerns: (a) => belowMinimum(a, { bytes: 0 }),
  create: (attrs, ctx, state) => new LimitDataStage(attrs, ctx, state),
};
