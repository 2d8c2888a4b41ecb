import { z } from 'zod';
import { count } from './attributes.ts';
import type { StageContext, ToxicDefinition } from './toxic.ts';
import { QueuedStage } from './scheduled-queue.ts';
import type { RandomSource } from '../random.ts';

/**
 * Offsets cutting [start, end) into slices of about `average` ± `variation`
 * bytes, split recursively near the middle so no slice tends to be small at
 * either end (Toxiproxy's slicer algorithm). Returns the cut points, including start and end.
 */
export function sliceOffsets(size: number, average: number, variation: number, random: RandomSource): number[] {
  const cuts: number[] = [0];
  const split = (start: number, end: number): void => {
    if (end - start - average <= variation) {
      cuts.push(end);
      return;
    }
    const mid = start + Math.floor((end - start) / 2) + (variation > 0 ? random.int(variation * 2) - variation : 0);
    split(start, mid);
    split(mid, end);
  };
  if (size > 0) split(0, size);
  return cuts;
}

/** slicer: each chunk leaves as several smaller writes, `delay` µs apart. */
class SlicerStage extends QueuedStage {
  constructor(attrs: Record<string, number>, private readonly ctx: StageContext) {
    super(attrs);
  }
  override write(chunk: Buffer): void {
    const { average_size = 1, size_variation = 0, delay = 0 } = this.attrs;
    const cuts = sliceOffsets(chunk.length, average_size, size_variation, this.ctx.random);
    let at = performance.now();
    for (let i = 1; i < cuts.length; i++) {
      this.queue.push(at, chunk.subarray(cuts[i - 1], cuts[i]));
      at += delay / 1000;
    }
  }
}

export const slicerToxic: ToxicDefinition = {
  type: 'slicer',
  attributes: z
    .object({ average_size: count(), size_variation: count(), delay: count() })
    .refine((a) => a.average_size >= 1, { path: ['average_size'], message: 'must be >= 1' })
    .refine((a) => a.size_variation < a.average_size, { path: ['size_variation'], message: 'must be smaller than average_size' }),
  create: (attrs, ctx) => new SlicerStage(attrs, ctx),
};
