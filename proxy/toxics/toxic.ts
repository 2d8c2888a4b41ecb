import type { z } from 'zod';
import type { RandomSource } from '../random.ts';

/** Where a stage hands data on: the next stage, or the destination socket. */
export interface Sink {
  write(chunk: Buffer): void;
  /** The input reached end-of-stream (the source half-closed, or a toxic ended the stream). */
  end(): void;
}

/** What a toxic's stage may do to the connection it sits on. */
export interface StageContext {
  readonly random: RandomSource;
  /**
   * End this stage's output (Toxiproxy's stub.Close()): once that end reaches
   * the destination socket the link closes it, and the link reading from that
   * socket ends in turn, so the whole connection goes. The close is a FIN, or
   * an RST when a reset_peer toxic was on the proxy as the connection opened.
   */
  closeConnection(): void;
}

/**
 * One toxic on one direction of one connection. Stages form a chain between
 * the source socket and the destination socket; `next` is rewired when
 * toxics are added or removed while the connection is open.
 */
export interface Stage {
  next: Sink;
  write(chunk: Buffer): void;
  end(): void;
  /** Bytes held and not yet handed on (for backpressure on the source). */
  readonly buffered: number;
  /**
   * Toxiproxy's interrupt and re-run, with these attributes (already merged
   * and validated): what the toxic is waiting on right now is handed on at
   * once (latency's next chunk, the rest of bandwidth's or slicer's chunk),
   * and its timers start again. Sent on an update of the toxic, and to the
   * toxic before it in the chain when a toxic is added or removed.
   */
  update(attributes: Record<string, number>): void;
  /**
   * The toxic leaves the chain: hand on everything held at once ("don't drop
   * data on the floor"). `replaced` when an update swaps the stage for another
   * (a toxicity re-roll), `removed` when the toxic is deleted.
   */
  remove(reason: 'removed' | 'replaced'): void;
  /** The connection is gone: cancel timers, drop everything. */
  dispose(): void;
}

export interface ToxicDefinition {
  readonly type: string;
  /** Toxiproxy's Go struct for it, named in Go's decoding errors ("LatencyToxic"). */
  readonly goStruct: string;
  /** The Go type of its integer attributes ("int64" unless said). */
  readonly goIntType?: 'int' | 'int64';
  /** Attributes with Toxiproxy's defaults (Go zero values); unknown keys are ignored, as Go's decoder does. */
  readonly attributes: z.ZodType<Record<string, number>>;
  /**
   * Values Toxiproxy accepts but rampart finds suspect (a negative delay, a slicer that cannot slice):
   * warnings by default, 400s under --strict. Each names the attribute: "attributes.latency: must be >= 0".
   */
  concerns?(attributes: Record<string, number>): string[];
  /** `state` survives attribute updates for the life of the connection (limit_data's byte count). */
  create(attributes: Record<string, number>, ctx: StageContext, state: Record<string, number>): Stage;
}

/** A sink that discards: the placeholder `next` of a stage before the link wires it in. */
export const nullSink: Sink = { write() {}, end() {} };

/** Passes everything straight on; the base of every toxic and the stage of a toxic whose toxicity roll missed. */
export class PassStage implements Stage {
  next: Sink;
  constructor(next: Sink = nullSink) {
    this.next = next;
  }
  get buffered(): number {
    return 0;
  }
  write(chunk: Buffer): void {
    this.next.write(chunk);
  }
  end(): void {
    this.next.end();
  }
  update(_attributes: Record<string, number>): void {}
  remove(_reason: 'removed' | 'replaced'): void {}
  dispose(): void {}
}
