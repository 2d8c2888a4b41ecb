import type { Socket } from 'node:net';
import { Link, type ByteCounters, type LinkOwner } from './link.ts';
import type { PooledSocket } from './pooled-reader.ts';
import type { RandomSource } from './random.ts';
import { appliesTo, type Direction, type ToxicSpec } from './toxic-spec.ts';

/**
 * A client socket paired with its upstream socket, and the two links between
 * them. Each link closes its destination when its stream ends (see Link), so
 * the connection is gone when both sockets have closed.
 */
export class Connection implements LinkOwner {
  readonly links: Record<Direction, Link>;
  private closed = false;
  private open = 2;
  /**
   * Toxiproxy sets SO_LINGER 0 on both sockets when a reset_peer toxic is on
   * the proxy as the connection opens: every close of such a connection is an
   * RST, whoever closes first. A reset_peer added later closes with a FIN.
   */
  lingerZero = false;

  private readonly client: Socket;
  private readonly upstream: Socket;

  constructor(
    client: PooledSocket,
    upstream: PooledSocket,
    readonly random: RandomSource,
    counters: Record<Direction, ByteCounters>,
    private readonly onClosed: (c: Connection) => void,
  ) {
    this.client = client.socket;
    this.upstream = upstream.socket;
    this.links = {
      upstream: new Link('upstream', client, upstream.socket, this, counters.upstream),
      downstream: new Link('downstream', upstream, client.socket, this, counters.downstream),
    };
    for (const socket of [this.client, this.upstream]) {
      // An error destroys the socket; its 'close' ends the link reading from it, which closes the other socket.
      socket.on('error', () => {});
      socket.on('close', () => {
        this.open -= 1;
        if (this.open === 0) this.gone();
      });
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

  /** The proxy is stopping: both sockets close at once (RST under linger 0), as Toxiproxy's stop closes every connection. */
  destroy(): void {
    for (const s of [this.client, this.upstream]) {
      if (s.destroyed) continue;
      if (this.lingerZero) s.resetAndDestroy();
      else s.destroy();
    }
    this.gone();
  }

  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    this.links.upstream.dispose();
    this.links.downstream.dispose();
    this.onClosed(this);
  }
}
