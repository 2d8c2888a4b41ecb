import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  HttpError,
  UnprocessableError,
  NotFoundError,
  PayloadTooLargeError,
  BadRequestError,
  UnsupportedMediaTypeError,
  ServiceUnavailableError,
} from './http-errors.ts';
import type { Logger } from './logger.ts';

/**
 * The one translation table from errors to HTTP: RFC 9457
 * application/problem+json, never a stack trace. Unknown errors are logged
 * (with their stack, server-side only) and answered with a bare 500.
 */
export const PROBLEM_TYPE_BASE = 'https://socialconnect.example/problems/';

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

function fromBodyParser(err: unknown): HttpError | undefined {
  const e = err as BodyParserError;
  if (!e || typeof e !== 'object' || typeof e.type !== 'string') return undefined;
  switch (e.type) {
    case 'entity.too.large':
      return new PayloadTooLargeError();
    case 'entity.parse.failed':
      return new BadRequestError('The body is not valid JSON.', 'MALFORMED_JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError('Unsupported content encoding or charset.');
    case 'request.aborted':
      return new BadRequestError('The request was aborted.', 'REQUEST_ABORTED');
    default:
      return e.status && e.status >= 400 && e.status < 500
        ? new BadRequestError('The request is malformed.')
        : undefined;
  }
}

/**
 * Safety net: a PostgreSQL data exception (SQLSTATE class 22: bad encoding,
 * out-of-range number, invalid text representation…) is the client's input
 * that validation let through — a 422, not a 500.
 */
function fromPgDataException(err: unknown): HttpError | undefined {
  const e = err as { code?: unknown; severity?: unknown } | null;
  if (
    !e ||
    typeof e !== 'object' ||
    typeof e.code !== 'string' ||
    typeof e.severity !== 'string' ||
    !e.code.startsWith('22')
  )
    return undefined;
  return new UnprocessableError([{ field: 'body', message: 'contains a value the server cannot store' }]);
}

export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  return fromBodyParser(err) ?? fromPgDataException(err);
}

export function problemBody(err: HttpError, instance: string, requestId: string | undefined): Record<string, unknown> {
  return {
    type: PROBLEM_TYPE_BASE + err.code.toLowerCase().replace(/_/g, '-'),
    title: err.title,
    status: err.status,
    detail: err.message,
    instance,
    code: err.code,
    ...(requestId ? { requestId } : {}),
    ...err.extensions,
  };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const log = res.locals.log ?? logger;
    let http = toHttpError(err);
    if (!http) {
      log.error({ err, method: req.method, path: req.path }, 'unhandled error');
      http = new HttpError(500, 'Internal Server Error', 'INTERNAL', 'Something went wrong on our side.', {
        category: 'internal',
      });
    } else if (http instanceof ServiceUnavailableError) {
      log.warn(
        { code: http.code, cause: (http.cause as Error | undefined)?.message, path: req.path },
        'dependency unavailable',
      );
    }
    for (const [k, v] of Object.entries(http.headers)) res.setHeader(k, v);
    res
      .status(http.status)
      .type('application/problem+json')
      .send(JSON.stringify(problemBody(http, req.originalUrl.split('?')[0] ?? req.path, res.locals.requestId)));
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${req.path}.`, 'ROUTE_NOT_FOUND'));
};
