import net from 'node:net';
import { ApiError } from './api-error.ts';
import { formatAddress, parseHostPort } from './address.ts';
import { Connection } from './connection.ts';
import { adoptAccepted, connectPooled } from './pooled-reader.ts';
import type { ByteCounters } from './link.ts';
import type { RandomSource } from './random.ts';
import { listOrder, toxicJson, type Direction, type ToxicSpec } from './toxic-spec.ts';
import { errors } from './api-error.ts';

export type UpstreamDownPolicy = 'close' | 'refuse';

export interface ProxyOptions {
  name: string;
  listen: string;
  upstream: string;
  /** Extension: 'refuse' stops listening while the upstream refuses connections, so clients see ECONNREFUSED. */
  onUpstreamDown?: UpstreamDownPolicy;
}

const PROBE_INTERVAL_MS = 100;
/**
 * Bytes a socket may queue for writing before the link pauses its source. Node's
 * default (16 KiB) is below one 64 KiB read, so every chunk of a bulk transfer
 * paused and resumed the source; 1 MiB lets reads and writes overlap.
 */
const SOCKET_HIGH_WATER = 1 << 20;

/**
 * One named TCP proxy: a listener, its open connections and its toxics.
 * Disabled ("down") means not listening: new connections are refused and
 * open ones are closed.
 */
export class Proxy {
  readonly name: string;
  listen: string;
  upstream: string;
  enabled = false;
  onUpstreamDown: UpstreamDownPolicy;
  readonly toxics: ToxicSpec[] = [];
  readonly counters: Record<Direction, ByteCounters> = {
    upstream: { received: 0, sent: 0 },
    downstream: { received: 0, sent: 0 },
  };
  connectionsTotal = 0;
  private server: net.Server | null = null;
  private readonly connections = new Set<Connection>();
  private probe: NodeJS.Timeout | null = null;

  constructor(
    options: ProxyOptions,
    private readonly random: RandomSource,
  ) {
    this.name = options.name;
    this.listen = options.listen;
    this.upstream = options.upstream;
    this.onUpstreamDown = options.onUpstreamDown ?? 'close';
    parseHostPort(this.listen, 'listen');
  }

  get activeConnections(): number {
    return this.connections.size;
  }

  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
    };
    // Toxiproxy's Proxy struct has an exported Logger field with no JSON tag, so Go writes it (empty) in every answer.
    json.Logger = {};
    if (this.onUpstreamDown !== 'close') json.on_upstream_down = this.onUpstreamDown;
    json.toxics = listOrder(this.toxics).map(toxicJson);
    return json;
  }

  async start(): Promise<void> {
    if (this.enabled) return;
    await this.bind();
    this.enabled = true;
  }

  private async bind(): Promise<void> {
    const { host, port } = parseHostPort(this.listen, 'listen');
    const server = net.createServer({
      allowHalfOpen: true,
      pauseOnConnect: true,
      noDelay: true,
      highWaterMark: SOCKET_HIGH_WATER,
    });
    server.on('connection', (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          new ApiError(
            `listen tcp ${this.listen}: ${err.code === 'EADDRINUSE' ? 'bind: address already in use' : err.message}`,
            500,
          ),
        );
      });
      // Go resolves "localhost" to 127.0.0.1; Node might pick ::1, so say what Go would.
      server.listen(port, host === 'localhost' ? '127.0.0.1' : host || undefined, () => resolve());
    });
    server.on('error', () => {});
    this.server = server;
    this.listen = formatAddress(server.address() as net.AddressInfo);
  }

  private unbind(): void {
    this.server?.close();
    this.server = null;
  }

  /** Stops listening and closes every open connection. */
  stop(): void {
    this.enabled = false;
    this.stopProbe();
    this.unbind();
    for (const c of [...this.connections]) c.destroy();
  }

  async update(input: {
    listen: string;
    upstream: string;
    enabled: boolean;
    onUpstreamDown?: UpstreamDownPolicy;
  }): Promise<void> {
    parseHostPort(input.listen, 'listen');
    if (input.onUpstreamDown) this.onUpstreamDown = input.onUpstreamDown;
    if (input.listen !== this.listen || input.upstream !== this.upstream) {
      this.stop();
      this.listen = input.listen;
      this.upstream = input.upstream;
    }
    if (input.enabled !== this.enabled) {
      if (input.enabled) await this.start();
      else this.stop();
    }
  }

  private accept(accepted: net.Socket): void {
    if (!this.enabled) {
      accepted.destroy();
      return;
    }
    const { socket: client, setReader: setClientReader } = adoptAccepted(accepted, {
      allowHalfOpen: true,
      highWaterMark: SOCKET_HIGH_WATER,
    });
    client.on('error', () => {});
    const target = upstreamAddress(this.upstream);
    if (!target) {
      // Toxiproxy accepts any upstream and fails the dial per connection: the client is closed.
      client.destroy();
      return;
    }
    const { socket: upstream, setReader: setUpstreamReader } = connectPooled({
      ...target,
      noDelay: true,
      allowHalfOpen: true,
      highWaterMark: SOCKET_HIGH_WATER,
    } as net.TcpNetConnectOpts);
    upstream.once('error', () => {
      // Upstream unreachable: close the client at once (or refuse new clients until it is back).
      if (this.onUpstreamDown === 'refuse') {
        client.resetAndDestroy();
        this.refuseUntilUpstreamIsBack();
      } else {
        client.destroy();
      }
    });
    upstream.once('connect', () => {
      upstream.removeAllListeners('error');
      if (client.destroyed || !this.enabled) {
        upstream.destroy();
        client.destroy();
        return;
      }
      this.connectionsTotal += 1;
      const conn = new Connection(
        { socket: client, setReader: setClientReader },
        { socket: upstream, setReader: setUpstreamReader },
        this.random,
        this.counters,
        (c) => this.connections.delete(c),
      );
      this.connections.add(conn);
      conn.start(this.toxics);
    });
  }

  private refuseUntilUpstreamIsBack(): void {
    if (this.probe || !this.server) return;
    const target = upstreamAddress(this.upstream);
    if (!target) return;
    this.unbind();
    const { host, port } = target;
    const tick = () => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        this.probe = null;
        if (this.enabled && !this.server) this.bind().catch(() => this.refuseUntilUpstreamIsBack());
      });
      socket.once('error', () => {
        socket.destroy();
        if (this.probe) this.probe = setTimeout(tick, PROBE_INTERVAL_MS);
      });
    };
    this.probe = setTimeout(tick, PROBE_INTERVAL_MS);
  }

  private stopProbe(): void {
    if (this.probe) clearTimeout(this.probe);
    this.probe = null;
  }

  findToxic(name: string): ToxicSpec | undefined {
    return this.toxics.find((t) => t.name === name);
  }

  addToxic(spec: ToxicSpec): void {
    if (this.findToxic(spec.name)) throw errors.toxicAlreadyExists;
    this.toxics.push(spec);
    for (const c of this.connections) c.addToxic(spec);
  }

  updateToxic(spec: ToxicSpec, change: { attributes: Record<string, number>; toxicity: number }): void {
    spec.attributes = change.attributes;
    spec.toxicity = change.toxicity;
    for (const c of this.connections) c.updateToxic(spec);
  }

  removeToxic(name: string): void {
    const spec = this.findToxic(name);
    if (!spec) throw errors.toxicNotFound;
    this.toxics.splice(this.toxics.indexOf(spec), 1);
    for (const c of [...this.connections]) c.removeToxic(spec);
  }

  resetToxics(): void {
    for (const t of [...this.toxics]) this.removeToxic(t.name);
  }
}

function upstreamAddress(upstream: string): { host: string; port: number } | undefined {
  try {
    return parseHostPort(upstream, 'upstream');
  } catch {
    return undefined;
  }
}
