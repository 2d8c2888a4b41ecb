import type { Socket } from 'node:net';
import { PassStage, type Sink, type Stage, type StageContext } from './toxics/toxic.ts';
import type { RandomSource } from './random.ts';
import { appliesTo, type Direction, type ToxicSpec } from './toxic-spec.ts';

/** Bytes held inside a link's toxics above which the source socket is paused. */
const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;

export interface ByteCounters {
  received: number;
  sent: number;
}

/** What a link needs from the connection it belongs to. */
export interface LinkOwner {
  readonly random: RandomSource;
  /** Close both sockets once `dest` (this link's output) has been flushed and ended. */
  closeAfterEnd(dest: Socket): void;
  /** Closes are RSTs (a reset_peer toxic was present when the connection opened). */
  readonly lingerZero: boolean;
  reset(): void;
}

interface Slot {
  spec: ToxicSpec;
  stage: Stage;
  /** Per-connection state that outlives attribute updates. */
  state: Record<string, number>;
}

/**
 * One direction of one connection: source socket → toxic stages → destination
 * socket. "upstream" carries client → server bytes, "downstream" server → client.
 * Toxics can be added, updated and removed while data flows; toxicity is
 * rolled per connection when a toxic is applied (and re-rolled on update, as
 * Toxiproxy re-runs the toxic).
 */
export class Link {
  private readonly slots: Slot[] = [];
  private paused = true;
  private waitingDrain = false;
  private sinkEnded = false;
  readonly sink: Sink;

  constructor(
    readonly direction: Direction,
    private readonly source: Socket,
    private readonly dest: Socket,
    private readonly owner: LinkOwner,
    private readonly counters: ByteCounters,
  ) {
    this.sink = {
      write: (chunk) => this.deliver(chunk),
      end: () => this.finish(),
    };
  }

  start(toxics: readonly ToxicSpec[]): void {
    for (const t of toxics) if (appliesTo(t, this.direction)) this.addToxic(t);
    this.source.on('data', (chunk: Buffer) => {
      this.counters.received += chunk.length;
      this.entry().write(chunk);
      this.pressure();
    });
    this.source.on('end', () => this.entry().end());
    this.dest.on('drain', () => {
      this.waitingDrain = false;
      this.pressure();
    });
    this.paused = true;
    this.pressure();
  }

  private entry(): Sink {
    return this.slots[0]?.stage ?? this.sink;
  }

  private deliver(chunk: Buffer): void {
    if (this.sinkEnded || this.dest.destroyed) return;
    this.counters.sent += chunk.length;
    // Chunks delivered in the same turn of the event loop leave together, in one writev; whether the
    // socket pushes back is judged after that write (see uncork), not from the queue the batch builds up.
    if (!this.corked) {
      this.corked = true;
      this.dest.cork();
      setImmediate(this.uncork);
    }
    this.dest.write(chunk);
  }

  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.dest.uncork();
    // What the kernel did not take stays queued: past the high-water mark, the source waits for 'drain'.
    // A batch is at most what libuv reads in one wake-up (32 × 64 KiB), so the queue stays bounded.
    if (this.dest.writableNeedDrain && this.dest.writableLength > 0) this.waitingDrain = true;
    this.pressure();
  };

  private finish(): void {
    if (this.sinkEnded) return;
    this.sinkEnded = true;
    if (!this.dest.destroyed) this.dest.end();
  }

  /** Pauses the source while the destination or the toxics hold too much. */
  private pressure(): void {
    if (this.source.destroyed) return;
    let held = 0;
    for (const s of this.slots) held += s.stage.buffered;
    if (!this.paused && (this.waitingDrain || held > HIGH_WATER)) {
      this.paused = true;
      this.source.pause();
    } else if (this.paused && !this.waitingDrain && held <= LOW_WATER) {
      this.paused = false;
      this.source.resume();
    }
  }

  private createStage(spec: ToxicSpec, slot: Pick<Slot, 'state'> & { stage?: Stage }): Stage {
    if (this.owner.random.next() >= spec.toxicity) return new PassStage();
    const ctx: StageContext = {
      random: this.owner.random,
      closeConnection: () => {
        this.owner.closeAfterEnd(this.dest);
        slot.stage?.next.end();
      },
      // Toxiproxy's reset_peer closes its output (stub.Close): an RST only where linger 0 was set at connect.
      resetConnection: () => (this.owner.lingerZero ? this.owner.reset() : ctx.closeConnection()),
    };
    return spec.definition.create(spec.attributes, ctx, slot.state);
  }

  /** New toxics go to the end of the chain, as in Toxiproxy. */
  addToxic(spec: ToxicSpec): void {
    const slot = { spec, state: {} } as Slot;
    slot.stage = this.createStage(spec, slot);
    slot.stage.next = this.sink;
    const last = this.slots.at(-1);
    if (last) last.stage.next = slot.stage;
    this.slots.push(slot);
  }

  updateToxic(spec: ToxicSpec): void {
    const slot = this.slots.find((s) => s.spec === spec);
    if (!slot) return;
    const old = slot.stage;
    const wasActive = !(old.constructor === PassStage);
    const fresh = this.createStage(spec, slot);
    if (wasActive && fresh.constructor !== PassStage) {
      fresh.dispose();
      old.update(spec.attributes);
      return;
    }
    fresh.next = old.next;
    slot.stage = fresh;
    const index = this.slots.indexOf(slot);
    const prev = this.slots[index - 1];
    if (prev) prev.stage.next = fresh;
    // The old stage flushes what it held into the new one's successor.
    old.remove('replaced');
    old.dispose();
  }

  removeToxic(spec: ToxicSpec): void {
    const index = this.slots.findIndex((s) => s.spec === spec);
    if (index < 0) return;
    const slot = this.slots[index]!;
    const prev = this.slots[index - 1];
    if (prev) prev.stage.next = slot.stage.next;
    this.slots.splice(index, 1);
    slot.stage.remove('removed');
    slot.stage.dispose();
    this.pressure();
  }

  dispose(): void {
    for (const s of this.slots) s.stage.dispose();
    this.slots.length = 0;
  }
}
