import { z } from 'zod';
import { belowMinimum, count } from './attributes.ts';
import type { ToxicDefinition } from './toxic.ts';
import { SequentialStage, type StepResult } from './sequential-stage.ts';

/**
 * bandwidth: at most `rate` KB/s (1 KB = 1000 bytes: a chunk of n bytes takes
 * n/rate ms), with Toxiproxy's timetable: a chunk longer than 100 ms' worth
 * leaves in pieces of rate × 100 bytes, one every 100 ms, and the rest after
 * the time it still owes; the error of each wait is carried to the next chunk.
 *
 * rate 0 passes nothing: Toxiproxy 2.12 loops forever on such a chunk, so the
 * data (and the end of the stream) wait until the toxic is updated or
 * removed. A negative rate does the same here; Toxiproxy panics on it (slice
 * bounds out of range) and its whole server exits.
 */
class BandwidthStage extends SequentialStage {
  /** Go's `sleep`: ms still owed, carried from chunk to chunk within one run of the toxic. */
  private owed = 0;
  /** A 100 ms wait for a piece has passed. */
  private pieceDue = false;
  /** When the wait for the last part of the chunk started (null: not started). */
  private lastWaitFrom: number | null = null;

  protected begin(chunk: Buffer): void {
    const rate = this.attrs.rate ?? 0;
    this.owed = rate <= 0 ? 0 : this.owed + chunk.length / rate;
    this.pieceDue = false;
    this.lastWaitFrom = null;
  }

  protected step(): StepResult {
    const rate = this.attrs.rate ?? 0;
    if (rate <= 0) return 'forever';
    const rest = this.rest!;
    const piece = rate * 100;
    if (this.pieceDue) {
      this.pieceDue = false;
      this.handOn(rest.subarray(0, piece));
      this.rest = rest.subarray(piece);
      this.owed -= 100;
      return 0;
    }
    if (rest.length > piece) {
      this.pieceDue = true;
      return 100;
    }
    if (this.lastWaitFrom === null) {
      this.lastWaitFrom = performance.now();
      if (this.owed > 0) return this.owed;
    }
    // time.After is coarse, so the next wait is shortened (or lengthened) by this one's error.
    this.owed -= performance.now() - this.lastWaitFrom;
    this.handOn(rest);
    return 'done';
  }

  protected restart(): void {
    this.owed = 0;
    this.pieceDue = false;
    this.lastWaitFrom = null;
  }
}

export const bandwidthToxic: ToxicDefinition = {
  type: 'bandwidth',
  goStruct: 'BandwidthToxic',
  attributes: z.object({ rate: count() }),
  concerns: (a) => belowMinimum(a, { rate: 0 }),
  create: (attrs) => new BandwidthStage(attrs),
};
