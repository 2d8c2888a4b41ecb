import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from './logger.ts';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Accepts X-Request-Id when it is a sane token (otherwise generates a UUID),
 * echoes it on the response, and gives the request a child logger bound to it
 * (res.locals.requestId, res.locals.log). One completion line per request.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const id = incoming && VALID_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    const log = logger.child({ reqId: id });
    res.locals.log = log;
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        userId: (res.locals.user as { id?: string } | undefined)?.id,
      };
      if (res.statusCode >= 500) log.error(line, 'request failed');
      else log.debug(line, 'request');
    });
    next();
  };
}
