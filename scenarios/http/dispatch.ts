import type { Dispatcher } from 'undici';

export interface RawResponse {
  status: number;
  /** Response headers, lower-case names; made from undici's raw buffers on first read (most responses are never asked). */
  readonly headers: Record<string, string | string[] | undefined>;
  /** The body as text when asked for; otherwise it is read and discarded. */
  text: string | null;
  /** Where the request's time went (k6's http_req_* breakdown), when the sender measured it. */
  readonly timings?: RequestTimings | undefined;
}

/**
 * k6's timing breakdown of one request, ms: blocked (waiting for a connection before sending, connecting
 * excluded), connecting (opening the TCP connection it went out on, 0 on a reused one), tlsHandshaking,
 * sending (writing the request), waiting (from sent to the first response bytes), receiving (first bytes to
 * the end of the body).
 */
export interface RequestTimings {
  blocked: number;
  connecting: number;
  tlsHandshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
}

export interface RawRequest {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  signal?: AbortSignal;
}

/** Response headers from raw [name, value, name, value…] (undici's buffers, or strings): lower-case names, repeats as arrays. */
function parseRawHeaders(raw: ReadonlyArray<Buffer | string>): RawResponse['headers'] {
  const out: RawResponse['headers'] = {};
  const str = (x: Buffer | string) => (typeof x === 'string' ? x : x.toString('latin1'));
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = str(raw[i] as Buffer | string).toLowerCase();
    const value = str(raw[i + 1] as Buffer | string);
    const had = out[name];
    if (had === undefined) out[name] = value;
    else if (Array.isArray(had)) had.push(value);
    else out[name] = [had, value];
  }
  return out;
}

class Response implements RawResponse {
  private parsed: RawResponse['headers'] | undefined;

  constructor(
    readonly status: number,
    private readonly raw: ReadonlyArray<Buffer | string> | null,
    readonly text: string | null,
    readonly timings?: RequestTimings,
  ) {}

  get headers(): RawResponse['headers'] {
    this.parsed ??= this.raw ? parseRawHeaders(this.raw) : {};
    return this.parsed;
  }
}

/** A response from its status, raw headers ([name, value…]) and body text (null when not read). */
export function makeResponse(
  status: number,
  raw: ReadonlyArray<Buffer | string> | null,
  text: string | null,
  timings?: RequestTimings,
): RawResponse {
  return new Response(status, raw, text, timings);
}

/** How a call ends: a response, or the error that stopped it (exactly one of the two). */
export type CallDone = (res: RawResponse | null, err: Error | null) => void;

/** Where a VU sends its requests: a lean keep-alive connection of its own, or an undici dispatcher. */
export interface Sender {
  /** Sends one request; `done` is called exactly once, with the response or the error (never throws). */
  send(req: RawRequest, readBody: boolean, done: CallDone): void;
}

/** A Sender over an undici dispatcher (a Pool, a Client). */
export function undiciSender(dispatcher: Dispatcher): Sender {
  return {
    send(req, readBody, done) {
      try {
        dispatchRequest(dispatcher, req, readBody, done);
      } catch (err) {
        done(null, err as Error);
      }
    },
  };
}

/**
 * One request's handler, in undici's core handler interface (onConnect /
 * onHeaders / onData / onComplete / onError): undici calls it directly, where
 * the newer onRequestStart-style interface costs a wrapper and a controller
 * object per request. One object per request, no closures, no stream.
 */
class Call implements Dispatcher.DispatchHandler {
  private status = 0;
  private rawHeaders: Buffer[] | null = null;
  private chunks: Buffer[] | null;
  private settled = false;
  private onAbort: (() => void) | undefined;
  // undici tells when the request got its connection (onConnect), its headers and its end: blocked then holds
  // connecting and TLS, which it does not tell apart.
  private readonly createdAt = performance.now();
  private connectedAt = 0;
  private headersAt = 0;

  constructor(
    private readonly signal: AbortSignal | undefined,
    readBody: boolean,
    private readonly done: CallDone,
  ) {
    this.chunks = readBody ? [] : null;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.connectedAt = performance.now();
    const signal = this.signal;
    if (!signal) return;
    if (signal.aborted) abort(new Error('request aborted'));
    else {
      this.onAbort = () => abort(new Error('request aborted'));
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
    this.headersAt = performance.now();
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.chunks) this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.finish()) return;
    const end = performance.now();
    const sent = this.connectedAt || this.createdAt;
    const timings = {
      blocked: sent - this.createdAt,
      connecting: 0,
      tlsHandshaking: 0,
      sending: 0,
      waiting: (this.headersAt || end) - sent,
      receiving: end - (this.headersAt || end),
    };
    this.done(
      new Response(
        this.status,
        this.rawHeaders,
        this.chunks ? Buffer.concat(this.chunks).toString('utf8') : null,
        timings,
      ),
      null,
    );
  }

  onError(err: Error): void {
    if (this.finish()) return;
    this.done(null, err);
  }

  /** Marks the call settled; true when it already was. */
  private finish(): boolean {
    if (this.settled) return true;
    this.settled = true;
    if (this.onAbort) this.signal?.removeEventListener('abort', this.onAbort);
    return false;
  }
}

/**
 * One request through undici's low-level dispatch() with a callback handler:
 * no Readable stream per response (most of the cost of `request()` at tens of
 * thousands of requests per second) and no promise of its own: `done` is
 * called once, with the response or the error.
 */
export function dispatchRequest(dispatcher: Dispatcher, opts: RawRequest, readBody: boolean, done: CallDone): void {
  dispatcher.dispatch(
    { path: opts.path, method: opts.method as Dispatcher.HttpMethod, headers: opts.headers, body: opts.body },
    new Call(opts.signal, readBody, done),
  );
}
