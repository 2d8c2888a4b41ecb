import { PassStage } from './toxic.ts';

/** What a step asks for: wait this many ms before the next step, `forever` (until an interrupt), or `done` with the chunk. */
export type StepResult = number | 'forever' | 'done';

/**
 * The base of the toxics that, as Toxiproxy's goroutines do, take one chunk
 * at a time from their input and work through it in timed steps (bandwidth,
 * slicer); the chunks behind it wait in order, and so does the end of the
 * stream. Each step hands its part straight to the next stage: one write per
 * part, never merged with another.
 *
 * An interrupt (an update of the toxic) hands on the rest of the chunk in
 * hand at once and starts the toxic afresh on the chunks behind it; a removal
 * hands on everything held.
 */
export abstract class SequentialStage extends PassStage {
  private readonly queue: (Buffer | null)[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  /** The part of the chunk in hand not yet handed on (null: no chunk in hand). */
  protected rest: Buffer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private waitingForever = false;
  private running = false;
  private ended = false;

  constructor(protected attrs: Record<string, number>) {
    super();
  }

  /** A chunk is taken in hand (`rest` is set to it). */
  protected abstract begin(chunk: Buffer): void;
  /** Hands on what is due now of `rest`. */
  protected abstract step(): StepResult;
  /** The toxic starts afresh (Toxiproxy's Run after an interrupt): forget per-run state. */
  protected abstract restart(): void;

  override get buffered(): number {
    return this.queuedBytes + (this.rest?.length ?? 0);
  }

  override write(chunk: Buffer): void {
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    this.run();
  }

  override end(): void {
    this.queue.push(null);
    this.run();
  }

  protected handOn(part: Buffer): void {
    if (part.length > 0) this.next.write(part);
  }

  private get waiting(): boolean {
    return this.timer !== null || this.immediate !== null || this.waitingForever;
  }

  private take(): Buffer | null {
    const item = this.queue[this.queueHead]!;
    this.queue[this.queueHead++] = null;
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    if (item) this.queuedBytes -= item.length;
    return item;
  }

  private run(): void {
    if (this.running || this.ended) return;
    this.running = true;
    try {
      while (!this.waiting) {
        if (this.rest === null) {
          if (this.queueHead >= this.queue.length) return;
          const item = this.take();
          if (item === null) {
            this.ended = true;
            this.next.end();
            return;
          }
          this.rest = item;
          this.begin(item);
        }
        const result = this.step();
        if (result === 'done') this.rest = null;
        else if (result === 'forever') this.waitingForever = true;
        else if (result > 0) this.sleep(result);
      }
    } finally {
      this.running = false;
    }
  }

  /** Waits `ms`; below a millisecond (which setTimeout cannot time) by polling the clock each turn of the event loop. */
  private sleep(ms: number): void {
    const wake = () => {
      this.timer = null;
      this.immediate = null;
      this.run();
    };
    if (ms >= 1) {
      this.timer = setTimeout(wake, ms);
      return;
    }
    const due = performance.now() + ms;
    const poll = () => {
      if (performance.now() >= due) wake();
      else this.immediate = setImmediate(poll);
    };
    this.immediate = setImmediate(poll);
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.waitingForever = false;
  }

  override update(attributes: Record<string, number>): void {
    this.cancel();
    if (this.rest) this.handOn(this.rest);
    this.rest = null;
    this.attrs = attributes;
    this.restart();
    this.run();
  }

  override remove(): void {
    this.cancel();
    if (this.rest) this.handOn(this.rest);
    this.rest = null;
    while (!this.ended && this.queueHead < this.queue.length) {
      const item = this.take();
      if (item) this.handOn(item);
      else {
        this.ended = true;
        this.next.end();
      }
    }
  }

  override dispose(): void {
    this.cancel();
    this.queue.length = 0;
    this.queueHead = 0;
    this.queuedBytes = 0;
    this.rest = null;
  }
}
