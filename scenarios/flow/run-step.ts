import type { CompiledCheck, CompiledStep } from './compile.ts';
import type { RawResponse, RequestTimings, Sender } from '../http/dispatch.ts';
import { getPath, type TemplateContext } from '../template.ts';

export interface StepResponse {
  status: number | null;
  /** Response headers, lower-case names (as undici gives them). */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body when it was read and is JSON; undefined otherwise. */
  json: unknown;
  error: Error | null;
  /** Why there was no response (null when there was one). */
  errorKind: ErrorKind | null;
  requestHeaders: Record<string, string>;
  requestBody: unknown;
  path: string;
  /** k6's timing breakdown of the (last) request, when its sender measured it. */
  timings?: RequestTimings | undefined;
}

/** A response header by name, repeated values joined (RFC 9110 list syntax). */
export function header(res: Pick<StepResponse, 'headers'>, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Why a request got no response. */
export type ErrorKind = 'timeout' | 'refused' | 'reset' | 'other';

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);
const RESET_CODES = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'ECONNABORTED']);

/** Classifies a network error by its code (undici's, or the socket's; an AggregateError by its first cause). */
export function errorKind(err: unknown): ErrorKind {
  const e = err as { code?: string; cause?: unknown; errors?: unknown[] } | null;
  const code =
    e?.code ??
    (e?.cause as { code?: string } | undefined)?.code ??
    (e?.errors?.[0] as { code?: string } | undefined)?.code;
  if (code === undefined) return 'other';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (RESET_CODES.has(code)) return 'reset';
  return 'other';
}

/** A step rendered once: a retry re-sends exactly this (same headers, same body). */
export interface RenderedRequest {
  path: string;
  requestHeaders: Record<string, string>;
  requestBody: unknown;
  wire: string | null;
  /** The method when not the step's (a redirect answered 303 goes on as GET). */
  method?: string;
}

export function renderStep(step: CompiledStep, ctx: TemplateContext): RenderedRequest {
  const path = step.path(ctx);
  const requestHeaders: Record<string, string> = {};
  for (const [k, f] of step.headers) requestHeaders[k] = f(ctx);
  const requestBody = step.body ? step.body(ctx) : step.bodyText ? step.bodyText(ctx) : undefined;
  const wire = requestBody === undefined ? null : step.body ? JSON.stringify(requestBody) : (requestBody as string);
  return { path, requestHeaders, requestBody, wire };
}

/** A response made from undici's; headers and JSON are made on first read (most steps read neither). */
class Answered implements StepResponse {
  readonly error = null;
  readonly errorKind = null;
  private parsed = false;
  private body: unknown;

  constructor(
    private readonly res: RawResponse,
    readonly requestHeaders: Record<string, string>,
    readonly requestBody: unknown,
    readonly path: string,
  ) {}

  get status(): number {
    return this.res.status;
  }

  get headers(): StepResponse['headers'] {
    return this.res.headers;
  }

  get timings(): RequestTimings | undefined {
    return this.res.timings;
  }

  get json(): unknown {
    if (!this.parsed) {
      this.parsed = true;
      if (this.res.text) {
        try {
          this.body = JSON.parse(this.res.text);
        } catch {
          this.body = undefined;
        }
      }
    }
    return this.body;
  }
}

/**
 * Sends one rendered request; never rejects for network errors (they become status null).
 * Cancelling is done by destroying the dispatcher (one action for all in-flight
 * requests) rather than an abort listener per request.
 */
export function sendRendered(
  sender: Sender,
  step: CompiledStep,
  req: RenderedRequest,
  readJson: boolean,
): Promise<StepResponse> {
  const { path, requestHeaders, requestBody } = req;
  return new Promise((resolve) => {
    const done = (res: RawResponse | null, err: Error | null) => {
      resolve(
        res
          ? new Answered(res, requestHeaders, requestBody, path)
          : {
              status: null,
              headers: {},
              json: undefined,
              error: err,
              errorKind: errorKind(err),
              requestHeaders,
              requestBody,
              path,
            },
      );
    };
    sender.send({ path, method: req.method ?? step.method, headers: requestHeaders, body: req.wire }, readJson, done);
  });
}

export function sendStep(
  sender: Sender,
  step: CompiledStep,
  ctx: TemplateContext,
  readJson: boolean,
): Promise<StepResponse> {
  return sendRendered(sender, step, renderStep(step, ctx), readJson);
}

function matchValue(c: CompiledCheck, value: unknown, exists: boolean | undefined, ctx: TemplateContext): boolean {
  const present = value !== undefined && value !== null;
  if (exists !== undefined && exists !== present) return false;
  if (c.equals) {
    const expected = c.equals(ctx);
    if (typeof value === 'string' && typeof expected !== 'string') return value === String(expected);
    if (value !== expected) return false;
  }
  if (c.matches && !(present && new RegExp(c.matches(ctx)).test(String(value)))) return false;
  if (exists === undefined && !c.equals && !c.matches) return present;
  return true;
}

/** Evaluates a step's checks; returns [passed, failed, names of the failed checks]. */
export function runChecks(step: CompiledStep, res: StepResponse, ctx: TemplateContext): [number, number, string[]] {
  let passed = 0;
  const failedNames: string[] = [];
  for (const c of step.checks) {
    const s = c.source;
    let ok: boolean;
    try {
      if (s.type === 'status')
        ok = res.status !== null && (Array.isArray(s.equals) ? s.equals.includes(res.status) : s.equals === res.status);
      else if (s.type === 'json') ok = matchValue(c, getPath(res.json, s.path), s.exists, ctx);
      else ok = matchValue(c, header(res, s.header), s.exists, ctx);
    } catch {
      ok = false;
    }
    if (ok) passed += 1;
    else failedNames.push(s.name ?? describeCheck(s));
  }
  return [passed, failedNames.length, failedNames];
}

export function describeCheck(s: CompiledCheck['source']): string {
  if (s.type === 'status') return `status is ${Array.isArray(s.equals) ? s.equals.join('|') : s.equals}`;
  if (s.type === 'json')
    return `json ${s.path}${s.equals !== undefined ? ` == ${String(s.equals)}` : s.matches ? ` ~ ${s.matches}` : ' exists'}`;
  return `header ${s.header}${s.equals !== undefined ? ` == ${String(s.equals)}` : s.matches ? ` ~ ${s.matches}` : ' exists'}`;
}

/**
 * Copies captured values into the iteration's context for later steps. A name
 * "user.<field>" writes into the context's user instead ({{user.<field>}}): the
 * user outlives the iteration, so a refreshed token is what the user's next
 * requests send (a session kept by its VU).
 */
export function applyCaptures(step: CompiledStep, res: StepResponse, into: TemplateContext): void {
  for (const [name, c] of step.captures) {
    const v = 'json' in c ? getPath(res.json, c.json) : header(res, c.header);
    if (v === undefined) continue;
    const user = into.user;
    if (name.startsWith('user.') && typeof user === 'object' && user !== null)
      (user as Record<string, unknown>)[name.slice(5)] = v;
    else into[name] = v;
  }
}
