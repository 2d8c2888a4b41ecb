import type { Socket } from 'node:net';
import { Link, type ByteCounters, type LinkOwner } from './link.ts';
import type { RandomSource } from './random.ts';
import { appliesTo, type Direction, type ToxicSpec } from './toxic-spec.ts';

/** How long a closed connection waits for its other side to flush what it still holds. */
const FLUSH_LIMIT_MS = 15_000;

/** A client socket paired with its upstream socket, and the two links between them. */
export class Connection implements LinkOwner {
  readonly links: Record<Direction, Link>;
  private closing = false;
  private closed = false;
  /**
   * Toxiproxy sets SO_LINGER 0 on both sockets when a reset_peer toxic is on
   * the proxy as the connection opens: every close of such a connection is an
   * RST. A reset_peer added later closes the connection with a FIN.
   */
  lingerZero = false;

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    readonly random: RandomSource,
    counters: Record<Direction, ByteCounters>,
    private readonly onClosed: (c: Connection) => void,
  ) {
    this.links = {
      upstream: new Link('upstream', client, upstream, this, counters.upstream),
      downstream: new Link('downstream', upstream, client, this, counters.downstream),
    };
    for (const [socket, other] of [[client, upstream], [upstream, client]] as const) {
      socket.on('error', () => this.destroy());
      socket.on('close', () => this.closeAfterFlush(other));
    }
  }

  start(toxics: readonly ToxicSpec[]): void {
    this.lingerZero = toxics.some((t) => t.type === 'reset_peer');
    this.links.upstream.start(toxics);
    this.links.downstream.start(toxics);
  }

  addToxic(spec: ToxicSpec): void {
    for (const link of Object.values(this.links)) if (appliesTo(spec, link.direction)) link.addToxic(spec);
  }

  updateToxic(spec: ToxicSpec): void {
    for (const link of Object.values(this.links)) link.updateToxic(spec);
  }

  removeToxic(spec: ToxicSpec): void {
    for (const link of Object.values(this.links)) link.removeToxic(spec);
  }

  /**
   * One side closed cleanly: what the other side still has queued (up to its 1 MiB high-water mark, or still in a
   * toxic) is delivered before both go — destroying at once dropped the tail of a full-duplex transfer
   * (proxy/bulk-transfer.test.ts). Bounded: at most FLUSH_LIMIT_MS.
   */
  private closeAfterFlush(other: Socket): void {
    if (this.closed) return;
    if (other.destroyed || other.writableFinished) return this.destroy();
    const done = () => {
      clearTimeout(timer);
      this.destroy();
    };
    const timer = setTimeout(done, FLUSH_LIMIT_MS);
    timer.unref();
    other.once('finish', done);
    other.once('close', done);
  }

  closeAfterEnd(dest: Socket): void {
    if (this.closing) return;
    this.closing = true;
    // The link's end() flushes what was written to `dest`; then both sockets go.
    if (dest.writableFinished || dest.destroyed) this.destroy();
    else dest.once('finish', () => this.destroy());
  }

  reset(): void {
    if (this.closed) return;
    for (const s of [this.client, this.upstream]) if (!s.destroyed) s.resetAndDestroy();
    this.destroy();
  }

  /** Closes both sockets (FIN where possible; RST under linger 0) and stops every toxic's timers. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.client, this.upstream]) {
      if (this.lingerZero && !s.destroyed) s.resetAndDestroy();
      else s.destroy();
    }
    this.links.upstream.dispose();
    this.links.downstream.dispose();
    this.onClosed(this);
  }
}
