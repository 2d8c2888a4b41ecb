import { z } from 'zod';
import { belowMinimum, count } from '../attributes.ts';
import { PassStage, type ToxicDefinition } from '../toxic.ts';

/**
 * The example toxic of docs/extending.md (not registered: proxy/toxics/extending.test.ts adds it to the registry
 * the way the guide says). corrupt: every `every`-th byte of the stream is inverted (0 corrupts nothing), counted
 * over the life of the connection, across attribute updates.
 */
class CorruptStage extends PassStage {
  constructor(
    private attrs: Record<string, number>,
    private readonly state: Record<string, number>,
  ) {
    super();
  }
  override write(chunk: Buffer): void {
    const every = this.attrs.every ?? 0;
    if (every <= 0) return this.next.write(chunk);
    const out = Buffer.from(chunk);
    for (let i = 0; i < out.length; i++) {
      this.state.seen = (this.state.seen ?? 0) + 1;
      if (this.state.seen % every === 0) out[i] = (out[i] as number) ^ 0xff;
    }
    this.next.write(out);
  }
  override update(attributes: Record<string, number>): void {
    this.attrs = attributes;
  }
}

export const corruptToxic: ToxicDefinition = {
  type: 'corrupt',
  goStruct: 'CorruptToxic',
  attributes: z.object({ every: count() }),
  concerns: (a) => belowMinimum(a, { every: 0 }),
  create: (attrs, _ctx, state) => new CorruptStage(attrs, state),
};
