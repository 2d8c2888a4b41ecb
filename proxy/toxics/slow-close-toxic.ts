import { z } from 'zod';
import { belowMinimum, count } from './attributes.ts';
import { PassStage, type ToxicDefinition } from './toxic.ts';

/** slow_close: data passes; the end of the stream (the FIN) is held back `delay` ms. */
class SlowCloseStage extends PassStage {
  private timer: NodeJS.Timeout | null = null;
  private ending = false;
  constructor(private attrs: Record<string, number>) {
    super();
  }
  override end(): void {
    this.ending = true;
    this.timer = setTimeout(() => this.finish(), this.attrs.delay ?? 0);
  }
  private finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.ending) {
      this.ending = false;
      this.next.end();
    }
  }
  override update(attributes: Record<string, number>): void {
    this.attrs = attributes;
  }
  override remove(): void {
    this.finish();
  }
  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.ending = false;
  }
}

export const slowCloseToxic: ToxicDefinition = {
  type: 'slow_close',
  attributes: z.object({ delay: count() }),
  concerns: (a) => belowMinimum(a, { delay: 0 }),
  create: (attrs) => new SlowCloseStage(attrs),
};
