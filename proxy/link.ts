import type { Socket } from 'node:net';
import { PassStage, type Sink, type Stage, type StageContext } from './toxics/toxic.ts';
import type { RandomSource } from './random.ts';
import type { PooledSocket } from './pooled-reader.ts';
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
  /** Closes are RSTs (a reset_peer toxic was present when the connection opened: Toxiproxy's SO_LINGER 0). */
  readonly lingerZero: boolean;
}

interface Slot {
  spec: ToxicSpec;
  stage: Stage;
  /** Per-connection state that outlives attribute updates. */
  state: Record<string, number>;
}

/**
 * One direction of one connection, as Toxiproxy's ToxicLink: source socket →
 * toxic stages → destination socket. "upstream" carries client → server
 * bytes, "downstream" server → client.
 *
 * Closing follows Toxiproxy: when the source ends (a FIN, an error, or the
 * socket closed by the other link), the end travels through the toxics behind
 * the data they hold; when it reaches the destination, the destination is
 * closed outright, not half-closed (Go's Close on a TCPConn). The other link,
 * reading from that socket, then ends too. So any FIN closes both sockets.
 *
 * Toxics can be added, updated and removed while data flows; toxicity is
 * rolled per connection each time Toxiproxy (re)runs a toxic.
 */
export class Link {
  private readonly slots: Slot[] = [];
  private paused = true;
  private waitingDrain = false;
  private sourceEnded = false;
  private sinkEnded = false;
  /** Writes in one turn of the event loop leave in one writev; only while every stage passes data straight on. */
  private batching = true;
  readonly sink: Sink;
  private readonly source: Socket;

  constructor(
    readonly direction: Direction,
    private readonly reader: PooledSocket,
    private readonly dest: Socket,
    private readonly owner: LinkOwner,
    private readonly counters: ByteCounters,
  ) {
    this.source = reader.socket;
    this.sink = {
      write: (chunk) => this.deliver(chunk),
      end: () => this.finish(),
    };
  }

  start(toxics: readonly ToxicSpec[]): void {
    for (const t of toxics) if (appliesTo(t, this.direction)) this.appendSlot(t);
    this.rewired();
    this.reader.setReader((chunk, release) => {
      this.counters.received += chunk.length;
      // With no toxic to keep it, the read buffer goes back to the pool once written.
      if (this.batching) this.deliver(chunk, release);
      else this.entry().write(chunk);
      this.pressure();
    });
    this.source.on('end', () => this.sourceGone());
    this.source.on('close', () => this.sourceGone());
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

  /** Toxiproxy's read loop ended (EOF or an error): the end of the stream enters the chain, behind the data. */
  private sourceGone(): void {
    if (this.sourceEnded) return;
    this.sourceEnded = true;
    this.entry().end();
  }

  private deliver(chunk: Buffer, written?: () => void): void {
    if (this.sinkEnded || this.dest.destroyed) return;
    this.counters.sent += chunk.length;
    if (this.batching && !this.corked) {
      this.corked = true;
      this.dest.cork();
      setImmediate(this.uncork);
    }
    if (written) this.dest.write(chunk, (err) => !err && written());
    else this.dest.write(chunk);
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

  /**
   * The end reached the destination: close it once what was written has left
   * (Go's io.Copy returned, then Close). Under linger 0 the close is an RST,
   * which discards whatever the kernel still held, as in Toxiproxy.
   */
  private finish(): void {
    if (this.sinkEnded) return;
    this.sinkEnded = true;
    const dest = this.dest;
    if (dest.destroyed) return;
    if (this.owner.lingerZero) {
      const reset = () => {
        if (!dest.destroyed) dest.resetAndDestroy();
      };
      if (dest.writableLength === 0 && !this.corked) reset();
      else dest.write(Buffer.alloc(0), reset);
    } else {
      dest.end();
      dest.once('finish', () => dest.destroy());
    }
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

  /** Toxiproxy's Run: rolls toxicity, then runs the toxic or a noop. */
  private createStage(spec: ToxicSpec, slot: Pick<Slot, 'state'> & { stage?: Stage }): Stage {
    if (this.owner.random.next() >= spec.toxicity) return new PassStage();
    const ctx: StageContext = {
      random: this.owner.random,
      closeConnection: () => slot.stage?.next.end(),
    };
    return spec.definition.create(spec.attributes, ctx, slot.state);
  }

  private appendSlot(spec: ToxicSpec): void {
    const slot = { spec, state: {} } as Slot;
    slot.stage = this.createStage(spec, slot);
    slot.stage.next = this.sink;
    const last = this.slots.at(-1);
    if (last) last.stage.next = slot.stage;
    this.slots.push(slot);
  }

  private rewired(): void {
    this.batching = this.slots.every((s) => s.stage.constructor === PassStage);
    this.pressure();
  }

  /**
   * New toxics go to the end of the chain. As in Toxiproxy, the toxic that was
   * last is interrupted and re-run first: what it was holding back (latency's
   * next chunk) goes on at once, and its toxicity is rolled again.
   */
  addToxic(spec: ToxicSpec): void {
    const last = this.slots.at(-1);
    if (last) this.rerun(last);
    this.appendSlot(spec);
    this.rewired();
  }

  updateToxic(spec: ToxicSpec): void {
    const slot = this.slots.find((s) => s.spec === spec);
    if (!slot) return;
    this.rerun(slot);
    this.rewired();
  }

  /** Toxiproxy's InterruptToxic then Run: the toxicity roll may swap the toxic for a noop or back. */
  private rerun(slot: Slot): void {
    const old = slot.stage;
    const wasActive = old.constructor !== PassStage;
    const fresh = this.createStage(slot.spec, slot);
    const isActive = fresh.constructor !== PassStage;
    if (wasActive && isActive) {
      fresh.dispose();
      old.update(slot.spec.attributes);
      return;
    }
    if (!wasActive && !isActive) return;
    fresh.next = old.next;
    slot.stage = fresh;
    const prev = this.slots[this.slots.indexOf(slot) - 1];
    if (prev) prev.stage.next = fresh;
    // The old stage hands on what it held, into the new one's successor.
    old.remove('replaced');
    old.dispose();
  }

  /** Everything the toxic held goes on at once; then the toxic before it is interrupted and re-run, as in Toxiproxy. */
  removeToxic(spec: ToxicSpec): void {
    const index = this.slots.findIndex((s) => s.spec === spec);
    if (index < 0) return;
    const slot = this.slots[index]!;
    const prev = this.slots[index - 1];
    if (prev) prev.stage.next = slot.stage.next;
    this.slots.splice(index, 1);
    slot.stage.remove('removed');
    slot.stage.dispose();
    if (prev) this.rerun(prev);
    this.rewired();
  }

  dispose(): void {
    for (const s of this.slots) s.stage.dispose();
    this.slots.length = 0;
  }
}
