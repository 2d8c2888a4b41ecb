import { z } from 'zod';
import { belowMinimum, count } from './attributes.ts';
import { PassStage, type ToxicDefinition } from './toxic.ts';

/**
 * slow_close: data passes; the end of the stream (the close) is held back
 * `delay` ms. An update while the close waits starts the wait again with the
 * new delay (Toxiproxy re-runs the toxic, which reads the end again); removing
 * the toxic lets the close through at once.
 */
class SlowCloseStage extends PassStage {
  private timer: NodeJS.Timeout | null = null;
  private ending = false;
  constructor(private attrs: Record<string, number>) {
    super();
  }
  override end(): void {
    if (this.ending) return;
    this.ending = true;
    this.arm();
  }
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.finish(), Math.max(0, this.attrs.delay ?? 0));
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
    if (this.ending) this.arm();
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
  goStruct: 'SlowCloseToxic',
  attributes: z.object({ delay: count() }),
  concerns: (a) => belowMinimum(a, { delay: 0 }),
  create: (attrs) => new SlowCloseStage(attrs),
};
