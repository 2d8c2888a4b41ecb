import { PassStage, type Sink } from './toxic.ts';

type Item = { at: number; arrived: number; chunk: Buffer | null };

/**
 * Holds chunks (and the end-of-stream marker, `null`) until their release
 * time, in order. One timer at a time, armed for the head of the queue.
 */
export class ScheduledQueue {
  private items: Item[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private heldBytes = 0;
  /** Release time of the last item queued; later items never overtake it. */
  lastAt = 0;

  constructor(private readonly out: () => Sink) {}

  get buffered(): number {
    return this.heldBytes;
  }

  get empty(): boolean {
    return this.head >= this.items.length;
  }

  /** `arrived`: when the chunk reached the toxic (what a restart schedules from). */
  push(at: number, chunk: Buffer | null, arrived = performance.now()): void {
    const when = Math.max(at, this.lastAt);
    this.lastAt = when;
    if (this.empty && when <= performance.now()) {
      this.emit(chunk);
      return;
    }
    this.items.push({ at: when, arrived, chunk });
    if (chunk) this.heldBytes += chunk.length;
    if (!this.timer) this.arm();
  }

  /**
   * Toxiproxy's interrupt: the item waited on now goes at once, and the rest
   * are scheduled again by `due` (from when each arrived), still in order.
   */
  restart(due: (arrived: number) => number): void {
    this.cancel();
    if (this.empty) return;
    this.shift();
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.heldBytes = 0;
    this.lastAt = 0;
    for (const item of rest) this.push(item.chunk ? due(item.arrived) : 0, item.chunk, item.arrived);
  }

  /** Hands everything on now. */
  flush(): void {
    this.cancel();
    while (!this.empty) this.shift();
    this.lastAt = 0;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  dispose(): void {
    this.cancel();
    this.items = [];
    this.head = 0;
    this.heldBytes = 0;
  }

  private emit(chunk: Buffer | null): void {
    if (chunk) this.out().write(chunk);
    else this.out().end();
  }

  private shift(): void {
    const item = this.items[this.head++]!;
    if (item.chunk) this.heldBytes -= item.chunk.length;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.emit(item.chunk);
  }

  private arm(): void {
    const first = this.items[this.head];
    if (!first) return;
    const wait = Math.max(0, first.at - performance.now());
    this.timer = setTimeout(() => this.release(), wait);
  }

  private release(): void {
    this.timer = null;
    const now = performance.now();
    // Release what is due, allowing for timer coarseness (setTimeout has ~1 ms resolution).
    while (!this.empty && this.items[this.head]!.at <= now + 0.5) this.shift();
    if (!this.empty && !this.timer) this.arm();
  }
}

/**
 * The base of a toxic that holds chunks back until a time of their own
 * (latency): a subclass decides when each chunk is released; ending,
 * removal (everything held goes out at once) and disposal are the same.
 */
export abstract class QueuedStage extends PassStage {
  protected readonly queue = new ScheduledQueue(() => this.next);
  constructor(protected attrs: Record<string, number>) {
    super();
  }
  override get buffered(): number {
    return this.queue.buffered;
  }
  abstract override write(chunk: Buffer): void;
  override end(): void {
    this.queue.push(0, null);
  }
  override update(attributes: Record<string, number>): void {
    this.attrs = attributes;
  }
  override remove(): void {
    this.queue.flush();
  }
  override dispose(): void {
    this.queue.dispose();
  }
}
