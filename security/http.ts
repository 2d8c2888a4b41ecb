import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { LivenessWatch } from './liveness.ts';

/** One request/response pair as the scanner saw it (unredacted; redact before it leaves security/). */
export interface Exchange {
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  response: { status: number; headers: Record<string, string>; body: string; setCookies?: string[] } | null;
  /** Network error when there was no response. */
  error?: string;
  ms: number;
  /** Which scan identity sent it ("anonymous", "A", "B", ...). */
  actor: string;
  /** Set when the scan kept the request back (do no harm): why. Nothing reached the target. */
  notSent?: string;
}

export interface SendOptions {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A JSON value (serialised) or a raw string sent as is. */
  json?: unknown;
  raw?: string;
  actor?: string;
  timeoutMs?: number;
  /** Bytes of body kept (default 256 KiB): documents and app scripts need more. */
  maxBody?: number;
}

const MAX_BODY = 256 * 1024;

/**
 * A small recording HTTP client over undici. Every exchange is kept (bounded)
 * so passive checks (leaked hashes, stack traces, headers) can read them all,
 * like ZAP's passive scanner reads the proxy history.
 */
export class ScanHttpClient {
  readonly base: URL;
  readonly history: Exchange[] = [];
  private readonly dispatcher: Dispatcher;
  private readonly signal: AbortSignal | undefined;
  requests = 0;
  private readonly maxRequests: number;
  /** Stops the scan when the target stops answering (null: no watch). */
  readonly liveness: LivenessWatch | null;

  constructor(
    base: string,
    options: {
      signal?: AbortSignal;
      insecureTls?: boolean;
      maxRequests?: number;
      liveness?: LivenessWatch | null;
    } = {},
  ) {
    this.base = new URL(base);
    this.liveness = options.liveness === undefined ? new LivenessWatch() : options.liveness;
    this.signal = options.signal;
    this.maxRequests = options.maxRequests ?? 20_000;
    this.dispatcher = new Agent({
      connections: 16,
      connect: { rejectUnauthorized: !options.insecureTls },
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
  }

  url(path: string): string {
    return new URL(path.replace(/^\/+/, '/'), this.base).toString();
  }

  /** Sends one request; with the liveness watch, throws TargetDownError once the target stops answering. */
  async send(opts: SendOptions): Promise<Exchange> {
    this.liveness?.assertAlive();
    const ex = await this.exchange(opts);
    await this.liveness?.after(ex, () =>
      this.exchange({ method: 'GET', path: this.liveness?.path ?? '/', timeoutMs: 5000, actor: 'liveness' }),
    );
    return ex;
  }

  private async exchange(opts: SendOptions): Promise<Exchange> {
    this.signal?.throwIfAborted();
    if (this.requests >= this.maxRequests) throw new Error(`scan request budget of ${this.maxRequests} exhausted`);
    this.requests += 1;
    const headers: Record<string, string> = { accept: 'application/json, text/html;q=0.9, */*;q=0.5', ...opts.headers };
    let body: string | undefined;
    if (opts.raw !== undefined) {
      body = opts.raw;
      headers['content-type'] ??= 'application/json';
    } else if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] ??= 'application/json';
    }
    const url = this.url(opts.path);
    const exchange: Exchange = {
      request: { method: opts.method, url, headers, ...(body === undefined ? {} : { body }) },
      response: null,
      ms: 0,
      actor: opts.actor ?? 'anonymous',
    };
    const started = performance.now();
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? 15_000);
    const signal = this.signal ? AbortSignal.any([this.signal, timeout]) : timeout;
    try {
      const res = await request(url, {
        method: opts.method as Dispatcher.HttpMethod,
        headers,
        body,
        dispatcher: this.dispatcher,
        signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      const max = opts.maxBody ?? MAX_BODY;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        if (size < max) chunks.push(buf);
        size += buf.length;
      }
      const rawCookies = res.headers['set-cookie'];
      exchange.response = {
        status: res.statusCode,
        headers: flattenHeaders(res.headers),
        ...(rawCookies ? { setCookies: Array.isArray(rawCookies) ? rawCookies : [rawCookies] } : {}),
        body: Buffer.concat(chunks).toString('utf8').slice(0, max),
      };
    } catch (err) {
      this.signal?.throwIfAborted();
      exchange.error =
        err instanceof Error ? `${(err as NodeJS.ErrnoException).code ?? err.name}: ${err.message}` : String(err);
    }
    exchange.ms = performance.now() - started;
    // Large bodies (documents, scripts) are not kept whole in the history the passive checks read.
    if (this.history.length < 5000)
      this.history.push(
        exchange.response && exchange.response.body.length > MAX_BODY
          ? { ...exchange, response: { ...exchange.response, body: exchange.response.body.slice(0, MAX_BODY) } }
          : exchange,
      );
    return exchange;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export function jsonBody(ex: Exchange): unknown {
  if (!ex.response) return undefined;
  try {
    return JSON.parse(ex.response.body) as unknown;
  } catch {
    return undefined;
  }
}

export function isStatus(ex: Exchange, lo: number, hi: number): boolean {
  return ex.response !== null && ex.response.status >= lo && ex.response.status <= hi;
}

export const ok2xx = (ex: Exchange) => isStatus(ex, 200, 299);

/** name → value of every cookie a response sets (attributes dropped). */
export function cookiesSet(ex: Exchange): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of ex.response?.setCookies ?? []) {
    const m = /^\s*([^=;\s]+)=([^;]*)/.exec(c);
    if (m?.[1] && m[2] !== undefined && m[2] !== '' && !/max-age=0|expires=thu, 01 jan 1970/i.test(c)) out[m[1]] = m[2];
  }
  return out;
}
