import net from 'node:net';
import httpParserJs from 'http-parser-js';
import { makeResponse, type CallDone, type RawRequest, type Sender } from './dispatch.ts';

// Why this exists next to undici: a VU's requests go one at a time over one keep-alive connection, which is
// all this file does. At a fixed 1,000 req/s undici's general machinery (its request queue, a setImmediate per
// reused socket to validate it, a timer per request, keep-alive socket options) cost the generator 2-3x the CPU
// per request that autocannon (raw sockets + http-parser-js) spends, and at full speed it capped the closed
// model below autocannon's throughput. Parsing is http-parser-js's (the parser autocannon uses); this file only
// writes requests and hands the parsed response back. undici stays for https, the setup/teardown pools and the
// security scanner.
const { HTTPParser } = httpParserJs;
// Header lines are decoded as latin1, byte for byte, as undici's raw headers are (dispatch.ts): the parser's
// default, 'ascii', drops each byte's high bit, which garbled a non-ASCII header value beyond repair. (A static
// of the parser module: one setting at load, nothing per request.)
HTTPParser.encoding = 'latin1';

/** An error with undici's code for the same case, so errorKind() classifies both clients' errors alike. */
const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

const HEADERS_TIMEOUT = 'UND_ERR_HEADERS_TIMEOUT';
const BODY_TIMEOUT = 'UND_ERR_BODY_TIMEOUT';

/** RFC 9110 token (method, header name). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What undici also refuses in a request target or header value: controls (tab allowed in values), DEL, and anything above latin1. */
const BAD_PATH = /[^\u0021-\u00ff]/;
const BAD_VALUE = /[^\t\u0020-\u007e\u0080-\u00ff]/;
/** Methods whose requests carry a body: sent with content-length 0 when there is none (as undici does). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** A `Connection` request header asking the server to close the connection after its answer. */
const CLOSE = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i;

interface Pending {
  head: string;
  body: Buffer | null;
  readBody: boolean;
  isHead: boolean;
  done: CallDone;
  status: number;
  rawHeaders: string[] | null;
  chunks: Buffer[] | null;
  /** A 1xx interim response is being read: its end is not this request's end. */
  interim: boolean;
  keepAlive: boolean;
  /** The request said `Connection: close`: its connection is not reused, whatever the response says (as undici does). */
  close: boolean;
  /** performance.now() when it was handed over, written and answered (headers), and the connect it waited for (ms). */
  queuedAt: number;
  writtenAt: number;
  headersAt: number;
  connectingMs: number;
}

/**
 * How long an idle connection may be reused, from a response's `Keep-Alive: timeout=N` (seconds): up to a second
 * less than the server's N (a quarter of it for N < 4), as undici does; no limit without a timeout (the server's
 * close is then seen as it comes).
 */
function idleLimit(value: string): number {
  const m = /timeout=(\d+)/i.exec(value);
  if (!m) return Number.POSITIVE_INFINITY;
  const ms = Number(m[1]) * 1000;
  return ms - Math.min(1000, ms / 4);
}

/** Whether a response without a body leaves the connection open: by its Connection header and HTTP version. */
function bodilessKeepAlive(headers: string[], http11: boolean): boolean {
  let connection = '';
  for (let i = 0; i < headers.length; i += 2) {
    if ((headers[i] as string).toLowerCase() === 'connection')
      connection += `${(headers[i + 1] as string).toLowerCase()},`;
  }
  return http11 ? !connection.includes('close') : connection.includes('keep-alive');
}

/** The request head in wire form, or an Error naming what is invalid (nothing is sent then). */
function serialize(req: RawRequest, hostHeader: string): { head: string; body: Buffer | null; close: boolean } | Error {
  if (!TOKEN.test(req.method))
    return coded(`invalid request method ${JSON.stringify(req.method)}`, 'UND_ERR_INVALID_ARG');
  if (!req.path.startsWith('/') || BAD_PATH.test(req.path))
    return coded(
      `invalid request path ${JSON.stringify(req.path)}: it must start with / and hold no spaces or control characters (encode them)`,
      'UND_ERR_INVALID_ARG',
    );
  let head = `${req.method} ${req.path} HTTP/1.1\r\n`;
  let host = hostHeader;
  let close = false;
  for (const name in req.headers) {
    const value = req.headers[name] as string;
    if (!TOKEN.test(name)) return coded(`invalid header name ${JSON.stringify(name)}`, 'UND_ERR_INVALID_ARG');
    if (BAD_VALUE.test(value))
      return coded(
        `invalid value for header ${name}: it holds a line break or control character`,
        'UND_ERR_INVALID_ARG',
      );
    const lower = name.toLowerCase();
    if (lower === 'host') host = value;
    else if (lower === 'transfer-encoding')
      return coded(
        'a transfer-encoding request header is not supported: rampart sends a content-length',
        'UND_ERR_INVALID_ARG',
      );
    else if (lower !== 'content-length') {
      head += `${name}: ${value}\r\n`;
      if (lower === 'connection' && CLOSE.test(value)) close = true;
    }
  }
  head += `host: ${host}\r\n`;
  const body = req.body === null ? null : Buffer.from(req.body, 'utf8');
  if (body) head += `content-length: ${body.length}\r\n`;
  else if (BODY_METHODS.has(req.method)) head += 'content-length: 0\r\n';
  return { head: `${head}\r\n`, body, close };
}

/**
 * One keep-alive HTTP/1.1 connection for one VU: requests go one at a time (a second one sent while the first
 * is in flight waits its turn), the socket opens on first use and again after the server closes it.
 * Every call ends exactly once, with a response or an error whose code undici would have used.
 */
export class LeanConnection implements Sender {
  private socket: net.Socket | null = null;
  private connected = false;
  /** How long the current connection took to open, until the first request on it takes it (ms). */
  private connectMs = 0;
  private current: Pending | null = null;
  private readonly queue: Pending[] = [];
  private lastError: Error | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** When the last response ended, and how long the server keeps an idle connection less a margin (its Keep-Alive hint). */
  private idleSince = Number.POSITIVE_INFINITY;
  private idleLimitMs = Number.POSITIVE_INFINITY;
  /** performance.now() by which the request in flight must have its headers (or its next body bytes). */
  deadline = Number.POSITIVE_INFINITY;

  constructor(private readonly pool: LeanPool) {}

  get isOpen(): boolean {
    return this.connected;
  }

  send(req: RawRequest, readBody: boolean, done: CallDone): void {
    if (this.closed) return done(null, this.pool.closedError);
    const wire = serialize(req, this.pool.hostHeader);
    if (wire instanceof Error) return done(null, wire);
    this.queue.push({
      head: wire.head,
      body: wire.body,
      readBody,
      isHead: req.method === 'HEAD',
      done,
      status: 0,
      rawHeaders: null,
      chunks: null,
      interim: false,
      keepAlive: true,
      close: wire.close,
      queuedAt: performance.now(),
      writtenAt: 0,
      headersAt: 0,
      connectingMs: 0,
    });
    this.pump();
  }

  private pump(): void {
    if (this.current || this.queue.length === 0 || this.closed) return;
    if (!this.socket) return this.connect();
    // A socket already destroyed (the server's FIN or a socket error was seen, its close event not yet) takes
    // no request: it would fail on a dead socket; onClose sends what waits on a new connection.
    if (!this.connected || this.socket.destroyed) return;
    const now = performance.now();
    if (now - this.idleSince > this.idleLimitMs) {
      // The server said how long it keeps an idle connection and that time is (nearly) up: a request sent now
      // could cross its close and fail through no fault of the server's. A new connection instead.
      this.detach();
      return this.connect();
    }
    const p = this.queue.shift() as Pending;
    this.current = p;
    p.writtenAt = now;
    // The first request on a new connection waited for its connect: that is its http_req_connecting.
    p.connectingMs = this.connectMs;
    this.connectMs = 0;
    this.deadline = now + this.pool.timeoutMs;
    this.pool.busy.add(this);
    this.pool.armSweeper();
    if (p.body) this.socket.write(Buffer.concat([Buffer.from(p.head, 'latin1'), p.body]));
    else this.socket.write(p.head, 'latin1');
  }

  private connect(): void {
    this.idleSince = Number.POSITIVE_INFINITY;
    this.idleLimitMs = Number.POSITIVE_INFINITY;
    const parser = new HTTPParser(HTTPParser.RESPONSE);
    // Reads land in the pool's one buffer and go straight to the parser (no stream chunk, no 'data' event per
    // read); the parser copies what it keeps (header strings; body bytes are copied in onBody).
    const socket = net.connect({
      host: this.pool.host,
      port: this.pool.port,
      noDelay: true,
      onread: {
        buffer: this.pool.readBuffer,
        callback: (n: number, buf: Buffer) => {
          const r = parser.execute(buf, 0, n);
          if (r instanceof Error) this.abandon(coded(`invalid HTTP response: ${r.message}`, 'HPE_INVALID'));
          return true;
        },
      },
    });
    this.socket = socket;
    this.connected = false;
    this.lastError = null;
    const connectStart = performance.now();
    parser[HTTPParser.kOnHeadersComplete] = (info) =>
      this.onHeaders(info.statusCode, info.headers, info.shouldKeepAlive, info.versionMinor > 0);
    parser[HTTPParser.kOnBody] = (chunk: Buffer, offset: number, length: number) => this.onBody(chunk, offset, length);
    parser[HTTPParser.kOnMessageComplete] = () => this.onComplete();
    this.connectTimer = setTimeout(() => {
      this.lastError = coded(`connect timed out after ${this.pool.connectTimeoutMs} ms`, 'UND_ERR_CONNECT_TIMEOUT');
      socket.destroy();
    }, this.pool.connectTimeoutMs);
    socket.on('connect', () => {
      if (this.connectTimer) clearTimeout(this.connectTimer);
      this.connectTimer = null;
      this.connected = true;
      this.connectMs = performance.now() - connectStart;
      this.pump();
    });
    socket.on('end', () => {
      // A body delimited by the connection's end completes now; a response cut short does not.
      const r = parser.finish();
      if (r instanceof Error) this.lastError = coded(`response cut short: ${r.message}`, 'UND_ERR_SOCKET');
      socket.destroy();
    });
    socket.on('error', (err) => {
      this.lastError ??= err;
    });
    socket.on('close', () => this.onClose(socket));
  }

  /** `http11`: an HTTP/1.1 response (not 1.0). */
  private onHeaders(status: number, headers: string[], keepAlive: boolean, http11: boolean): number {
    const p = this.current;
    if (!p) {
      this.abandon(coded('the server sent a response nobody asked for', 'UND_ERR_SOCKET'));
      return 1;
    }
    if (status >= 100 && status < 200 && status !== 101) {
      p.interim = true;
      return 0;
    }
    p.status = status;
    p.rawHeaders = headers;
    // No body follows a HEAD response, a 204 or a 304 whatever their content-length says (RFC 9112 6.3; a 304
    // may carry the representation's length): skipping it, or the parser would wait for bytes that never come.
    const skip = p.isHead || status === 204 || status === 304;
    // The parser judges keep-alive by the body's framing too, which a response without a body does not need:
    // node:http answers HEAD with neither content-length nor transfer-encoding. Its Connection header decides.
    if (!keepAlive && skip) keepAlive = bodilessKeepAlive(headers, http11);
    p.keepAlive = keepAlive && !p.close;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i] as string;
      if (name.length === 10 && name.toLowerCase() === 'keep-alive')
        this.idleLimitMs = idleLimit(headers[i + 1] as string);
    }
    if (p.readBody) p.chunks = [];
    p.headersAt = performance.now();
    this.deadline = p.headersAt + this.pool.timeoutMs;
    return skip ? 1 : 0;
  }

  private onBody(chunk: Buffer, offset: number, length: number): void {
    const p = this.current;
    // A copy: `chunk` is the pool's read buffer, overwritten by the next read.
    if (p?.chunks) p.chunks.push(Buffer.from(chunk.subarray(offset, offset + length)));
    this.deadline = performance.now() + this.pool.timeoutMs;
  }

  private onComplete(): void {
    const p = this.current;
    if (!p) return;
    if (p.interim) {
      p.interim = false;
      return;
    }
    this.current = null;
    this.deadline = Number.POSITIVE_INFINITY;
    const end = performance.now();
    this.idleSince = end;
    this.pool.busy.delete(this);
    const text = p.chunks
      ? p.chunks.length === 1
        ? (p.chunks[0] as Buffer).toString('utf8')
        : Buffer.concat(p.chunks).toString('utf8')
      : null;
    if (!p.keepAlive) this.detach();
    // The head is written in one synchronous write: sending is that instant (as k6 reads it on a small request, ≈ 0).
    const headersAt = p.headersAt || end;
    const timings = {
      blocked: Math.max(0, p.writtenAt - p.queuedAt - p.connectingMs),
      connecting: p.connectingMs,
      tlsHandshaking: 0,
      sending: 0,
      waiting: headersAt - p.writtenAt,
      receiving: end - headersAt,
    };
    p.done(makeResponse(p.status, p.rawHeaders, text, timings), null);
    this.pump();
  }

  /** The request in flight got no headers (or no more body) within the request timeout. */
  timedOut(): void {
    const gotHeaders = (this.current?.status ?? 0) > 0;
    this.abandon(
      coded(
        `no response ${gotHeaders ? 'body ' : ''}within the request timeout (${this.pool.timeoutMs} ms)`,
        gotHeaders ? BODY_TIMEOUT : HEADERS_TIMEOUT,
      ),
    );
  }

  /** The request in flight failed (timeout, bad response): it ends with `err` and the socket is closed. */
  abandon(err: Error): void {
    const p = this.current;
    this.current = null;
    this.deadline = Number.POSITIVE_INFINITY;
    this.pool.busy.delete(this);
    this.detach();
    if (p) p.done(null, err);
    this.pump();
  }

  /** Closes the socket and forgets it at once (its close event is then ignored): the next request opens a new one. */
  private detach(): void {
    const socket = this.socket;
    this.socket = null;
    this.connected = false;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    socket?.destroy();
  }

  private onClose(socket: net.Socket): void {
    if (this.socket !== socket) return;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    const wasConnected = this.connected;
    this.socket = null;
    this.connected = false;
    const err = this.closed
      ? this.pool.closedError
      : (this.lastError ?? coded('the server closed the connection before answering', 'UND_ERR_SOCKET'));
    const p = this.current;
    if (p) {
      this.current = null;
      this.deadline = Number.POSITIVE_INFINITY;
      this.pool.busy.delete(this);
      p.done(null, err);
    }
    // A connection that never opened fails what waited for it (as undici does); after a good one closed,
    // what waits goes out on a new connection.
    if (!wasConnected || this.closed) for (const q of this.queue.splice(0)) q.done(null, err);
    else this.pump();
  }

  close(): void {
    this.closed = true;
    if (this.socket) this.socket.destroy();
    else for (const q of this.queue.splice(0)) q.done(null, this.pool.closedError);
  }
}

/**
 * The lean connections of one transport: one per VU, and one sweep that ends requests past the request timeout
 * (a check every tenth of the timeout, at most every 100 ms, while any request is in flight) instead of a timer per request.
 */
export class LeanPool {
  readonly host: string;
  readonly port: number;
  readonly hostHeader: string;
  readonly connectTimeoutMs: number;
  readonly busy = new Set<LeanConnection>();
  /** Every connection's reads land here, one at a time (each is parsed before the next read). */
  readonly readBuffer = Buffer.allocUnsafe(64 * 1024);
  private readonly byVu = new Map<number, LeanConnection>();
  private sweeper: NodeJS.Timeout | null = null;
  private readonly sweepMs: number;

  constructor(
    origin: URL,
    readonly timeoutMs: number,
    readonly closedError: Error,
  ) {
    this.host = origin.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(origin.port || 80);
    this.hostHeader = origin.host;
    this.connectTimeoutMs = Math.min(timeoutMs, 10_000);
    this.sweepMs = Math.max(1, Math.min(100, Math.floor(timeoutMs / 10)));
  }

  connection(vu: number): LeanConnection {
    let c = this.byVu.get(vu);
    if (!c) {
      c = new LeanConnection(this);
      this.byVu.set(vu, c);
    }
    return c;
  }

  open(): number {
    let n = 0;
    for (const c of this.byVu.values()) if (c.isOpen) n += 1;
    return n;
  }

  armSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), this.sweepMs);
  }

  private sweep(): void {
    if (this.busy.size === 0) {
      clearInterval(this.sweeper as NodeJS.Timeout);
      this.sweeper = null;
      return;
    }
    const now = performance.now();
    for (const c of this.busy) {
      if (c.deadline <= now) c.timedOut();
    }
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const c of this.byVu.values()) c.close();
    this.byVu.clear();
    this.busy.clear();
  }
}
