import type { Finding } from '../reports/index.ts';
import type { Exchange } from './http.ts';

const SECRET_HEADERS = /^(authorization|cookie|set-cookie|x-api-key|x-zap-api-key|proxy-authorization)$/i;
const SECRET_KEYS =
  /(password|passwd|secret|token|apikey|api_key|hash|salt|authorization|session|^sid$|jwt|credential|cookie)/i;
const JWT = /eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g;
const HASHES = /\$(argon2(id|i|d)|2[aby])\$[^\s"']+/g;
const MAX = 4000;

function redactHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k] = SECRET_HEADERS.test(k) ? redactValue(v) : v;
  return out;
}

function redactValue(v: string): string {
  const scheme = /^(Bearer|Basic)\s+/i.exec(v);
  return `${scheme ? scheme[0] : ''}[REDACTED]`;
}

function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        SECRET_KEYS.test(k) && (typeof v === 'string' || typeof v === 'number') ? '[REDACTED]' : redactJson(v),
      ]),
    );
  }
  return value;
}

/** Redacts secrets from a body: JSON keys that name secrets, JWTs and password hashes anywhere. */
export function redactBody(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  let out = body;
  try {
    out = JSON.stringify(redactJson(JSON.parse(body)));
  } catch {
    /* not JSON: pattern redaction below */
  }
  out = out.replace(JWT, '[REDACTED-JWT]').replace(HASHES, '[REDACTED-HASH]');
  return out.length > MAX ? `${out.slice(0, MAX)}…[${out.length - MAX} more chars]` : out;
}

export function redactExchange(ex: Exchange): NonNullable<Finding['evidence']> {
  return {
    request: {
      method: ex.request.method,
      url: ex.request.url.replace(/([?&](token|access_token|apikey|api_key)=)[^&]*/gi, '$1[REDACTED]'),
      headers: redactHeaders(ex.request.headers),
      ...(ex.request.body === undefined ? {} : { body: redactBody(ex.request.body) ?? '' }),
    },
    response: ex.response
      ? {
          status: ex.response.status,
          headers: redactHeaders(ex.response.headers),
          body: redactBody(ex.response.body) ?? '',
        }
      : null,
  };
}

/**
 * Redacts a line of text (a note, an error, a description): JWTs, password
 * hashes, `token=…`/`password: …` pairs, and every known secret value (the
 * scan users' tokens, cookies and passwords) wherever it appears. `pairs: false`
 * keeps the text's structure (JSON): values only, no `key: value` pairs.
 */
export function redactText(text: string, secrets: Iterable<string> = [], opts: { pairs?: boolean } = {}): string {
  let out = text.replace(JWT, '[REDACTED-JWT]').replace(HASHES, '[REDACTED-HASH]');
  if (opts.pairs !== false) {
    out = out
      .replace(
        /("?(?:password|passwd|secret|token|refreshToken|accessToken|apikey|api_key|hash|salt|session|sid)"?\s*[:=]\s*)("[^"]*"|[^\s,;&"}]+)/gi,
        '$1[REDACTED]',
      )
      .replace(/\b(Bearer|Basic)\s+[\w.~+/=-]{6,}/g, '$1 [REDACTED]');
  }
  for (const s of [...new Set(secrets)].filter((v) => v.length >= 6).sort((a, b) => b.length - a.length))
    out = out.split(s).join('[REDACTED]');
  return out;
}
