import { RampartError } from '../../common/index.ts';
import type { ErrorCategory } from '../../common/index.ts';

/**
 * HTTP errors the target throws. The error middleware (problem.ts) is the one
 * place that turns them into RFC 9457 problem+json responses.
 */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. "body" or "items[0].id". */
  readonly field: string;
  readonly message: string;
}

/** Its `code` is the HTTP API's problem code (BAD_REQUEST, …), not one of rampart's error codes. */
export class HttpError extends RampartError<string> {
  readonly status: number;
  readonly title: string;
  /** Extra response headers (e.g. Retry-After). */
  readonly headers: Readonly<Record<string, string>>;
  /** Extra problem members (e.g. `errors` for 422). */
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(
    status: number,
    title: string,
    code: string,
    message: string,
    opts: {
      headers?: Record<string, string>;
      extensions?: Record<string, unknown>;
      cause?: unknown;
      category?: ErrorCategory;
    } = {},
  ) {
    super(code, opts.category ?? (status >= 500 ? 'environment' : 'input'), message, { cause: opts.cause });
    this.status = status;
    this.title = title;
    this.headers = opts.headers ?? {};
    this.extensions = opts.extensions ?? {};
  }
}

export class BadRequestError extends HttpError {
  constructor(message = 'The request is malformed.', code = 'BAD_REQUEST') {
    super(400, 'Bad Request', code, message);
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = 'Authentication is required.', code = 'UNAUTHORIZED') {
    super(401, 'Unauthorized', code, message, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = 'You are not allowed to do this.', code = 'FORBIDDEN') {
    super(403, 'Forbidden', code, message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message = 'Not found.', code = 'NOT_FOUND') {
    super(404, 'Not Found', code, message);
  }
}

export class ConflictError extends HttpError {
  constructor(message: string, code = 'CONFLICT') {
    super(409, 'Conflict', code, message);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(message = 'The request body is too large.') {
    super(413, 'Payload Too Large', 'PAYLOAD_TOO_LARGE', message);
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(message = 'Send the body as application/json.') {
    super(415, 'Unsupported Media Type', 'UNSUPPORTED_MEDIA_TYPE', message);
  }
}

/** 422 naming the offending field(s). */
export class UnprocessableError extends HttpError {
  readonly issues: readonly FieldIssue[];
  constructor(issues: FieldIssue[] | string, message?: string, code = 'VALIDATION_FAILED') {
    const list: FieldIssue[] =
      typeof issues === 'string' ? [{ field: issues, message: message ?? 'is invalid' }] : issues;
    const text =
      message && typeof issues !== 'string' ? message : list.map((i) => `${i.field}: ${i.message}`).join('; ');
    super(422, 'Unprocessable Content', code, text, { extensions: { errors: list } });
    this.issues = list;
  }
}

export class TooManyRequestsError extends HttpError {
  readonly retryAfterSeconds: number;
  constructor(
    retryAfterSeconds: number,
    message = 'Too many requests; slow down.',
    code = 'RATE_LIMITED',
    headers: Record<string, string> = {},
  ) {
    const secs = Math.max(1, Math.ceil(retryAfterSeconds));
    super(429, 'Too Many Requests', code, message, { headers: { ...headers, 'Retry-After': String(secs) } });
    this.retryAfterSeconds = secs;
  }
}

/** 503 + Retry-After: a dependency is down or the server is shedding load. */
export class ServiceUnavailableError extends HttpError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 5, code = 'SERVICE_UNAVAILABLE', cause?: unknown) {
    const secs = Math.max(1, Math.ceil(retryAfterSeconds));
    super(503, 'Service Unavailable', code, message, { headers: { 'Retry-After': String(secs) }, cause });
    this.retryAfterSeconds = secs;
  }
}

/** Thrown by the data-access layer when PostgreSQL or Redis cannot answer (mapped to 503 by default). */
export class DependencyUnavailableError extends ServiceUnavailableError {
  readonly dependency: 'postgres' | 'redis';
  constructor(dependency: 'postgres' | 'redis', retryAfterSeconds: number, cause?: unknown) {
    super(
      `${dependency === 'postgres' ? 'The database' : 'Redis'} is unavailable; try again shortly.`,
      retryAfterSeconds,
      dependency === 'postgres' ? 'POSTGRES_UNAVAILABLE' : 'REDIS_UNAVAILABLE',
      cause,
    );
    this.dependency = dependency;
  }
}

export function isHttpError(err: unknown): err is HttpError {
  return err instanceof HttpError;
}
