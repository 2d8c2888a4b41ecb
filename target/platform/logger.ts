import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogLevel } from '../config.ts';

export type { Logger };

/**
 * JSON logs on stdout. Secrets and PII are redacted wherever they appear in a
 * logged object (headers, bodies, error details): tokens, passwords, emails.
 */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.passwordHash',
  '*.password_hash',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.email',
  '*.jwtSecret',
  '*.authorization',
  // PostgreSQL puts offending values (e.g. an email in a unique violation) in detail.
  'err.detail',
  'err.cause.detail',
  'password',
  'email',
  'token',
];

export function createLogger(
  level: LogLevel,
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  const options = {
    level,
    base: { pid: process.pid, service: 'socialconnect', ...bindings },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
