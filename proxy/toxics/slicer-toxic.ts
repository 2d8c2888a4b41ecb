import { z } from 'zod';
import { belowMinimum, count } from './attributes.ts';
import type { StageContext, ToxicDefinition } from './toxic.ts';
import { SequentialStage, type StepResult } from './sequential-stage.ts';
import type { RandomSource } from '../random.ts';

/**
 * Offsets cutting [start, end) into slices of about `average` ± `variation`
 * bytes, split recursively near the middle so no slice tends to be small at
 * either end (Toxiproxy's slicer algorithm). Returns the cut points, including start and end.
 *
 * With the attributes Toxiproxy documents (average >= 1, variation < average)
 * this is Go's algorithm draw for draw. Outside them Go breaks: average 0
 * recurses until its stack overflows and the server dies; a variation of at
 * least the average can cut an empty or a negative-length slice (a panic).
 * Here a slice is never shorter than 1 byte and every split makes progress.
 */
export function sliceOffsets(size: number, average: number, variation: number, random: RandomSource): number[] {
  const cuts: number[] = [0];
  const whole = Math.max(1, average + variation);
  const split = (start: number, end: number): void => {
    if (end - start <= whole) {
      cuts.push(end);
      return;
    }
    const drawn = start + Math.floor((end - start) / 2) + (variation > 0 ? random.int(variation * 2) - variation : 0);
    const mid = Math.min(end - 1, Math.max(start + 1, drawn));
    split(start, mid);
    split(mid, end);
  };
  if (size > 0) split(0, size);
  return cuts;
}

/**
 * slicer: each chunk leaves as several smaller writes, one per slice, with
 * `delay` µs after each (after the last too), as Toxiproxy's loop waits
 * time.After(delay) after every slice it sends. Each wait starts when its
 * slice was written, so slices never pile up into one write.
 */
class SlicerStage extends SequentialStage {
  private cuts: number[] = [];
  private index = 1;
  constructor(
    attrs: Record<string, number>,
    private readonly ctx: StageContext,
  ) {
    super(attrs);
  }
  protected begin(chunk: Buffer): void {
    const { average_size = 1, size_variation = 0 } = this.attrs;
    this.cuts = sliceOffsets(chunk.length, average_size, size_variation, this.ctx.random);
    this.index = 1;
  }
  protected step(): StepResult {
    if (this.index >= this.cuts.length) return 'done';
    const rest = this.rest!;
    const size = this.cuts[this.index]! - this.cuts[this.index - 1]!;
    this.index += 1;
    this.handOn(rest.subarray(0, size));
    this.rest = rest.subarray(size);
    return Math.max(0, this.attrs.delay ?? 0) / 1000;
  }
  protected restart(): void {
    this.cuts = [];
    this.index = 1;
  }
}

export const slicerToxic: ToxicDefinition = {
  type: 'slicer',
  goStruct: 'SlicerToxic',
  goIntType: 'int',
  attributes: z.object({ average_size: count(), size_variation: count(), delay: count() }),
  concerns: (a) => [
    ...belowMinimum(a, { average_size: 1, size_variation: 0, delay: 0 }),
    ...((a.size_variation ?? 0) >= (a.average_size ?? 0) && (a.average_size ?? 0) >= 1
      ? [`attributes.size_variation: must be smaller than average_size (got ${a.size_variation} >= ${a.average_size})`]
      : []),
  ],
  create: (attrs, ctx) => new SlicerStage(attrs, ctx),
};
