import { isLoopbackHost } from '../../common/index.ts';
import type { Exchange } from '../http.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, templateEndpoint } from '../scan-context.ts';

const CAT = 'API8:2023';
export const STACK_TRACE =
  /(\n\s+at [^\n]+\(?[^\n]+:\d+:\d+\)?)|(at (Layer|Route|Function|Object|process)\.[\w<>]+ \()|Traceback \(most recent call last\)|node_modules\/|\.(ts|js):\d+:\d+/;
export const SQL_ERROR =
  /(syntax error at or near|unterminated quoted string|You have an error in your SQL syntax|SQLITE_ERROR|SQLSTATE\[|ORA-\d{5}|pg_query\(|invalid input syntax for (type|integer)|relation "[^"]+" does not exist|column "[^"]+" does not exist|PG::\w+Error|Unclosed quotation mark after the character string|quoted string not properly terminated)/i;
const INTERNALS = /(ECONNREFUSED|ETIMEDOUT|\/home\/|\/usr\/src\/|\/app\/|node:internal|TypeError: |ReferenceError: )/;

/** Passive: every response the scan saw is read for stack traces, SQL errors and verbose 5xx bodies. */
export function checkErrorLeaks(ctx: ScanContext): void {
  for (const ex of ctx.client.history) {
    const res = ex.response;
    if (!res) continue;
    // Static pages and scripts (a docs page) legitimately mention file names; errors and API bodies must not.
    if (res.status < 400 && /text\/html|javascript|css/.test(res.headers['content-type'] ?? '')) continue;
    if (SQL_ERROR.test(res.body)) {
      ctx.sink.add({
        ruleId: 'rampart-api8-sql-error',
        title: 'Database error text in a response',
        category: CAT,
        severity: 'high',
        endpoint: templateEndpoint(ctx, ex.request.method, ex.request.url),
        evidence: ex,
        description: `The response carries a database error message (${SQL_ERROR.exec(res.body)?.[0]}). It tells an attacker the query shape (a first step to SQL injection). Map errors to a generic problem+json and log the detail server-side.`,
      });
    }
    if (STACK_TRACE.test(res.body)) {
      ctx.sink.add({
        ruleId: 'rampart-api8-stack-trace',
        title: 'Stack trace in a response',
        category: CAT,
        severity: 'medium',
        endpoint: templateEndpoint(ctx, ex.request.method, ex.request.url),
        evidence: ex,
        description:
          'The response carries a stack trace or source locations. Never send err.stack to clients; use an error middleware that answers RFC 9457 problem+json.',
      });
    } else if (res.status >= 500 && INTERNALS.test(res.body)) {
      ctx.sink.add({
        ruleId: 'rampart-api8-verbose-error',
        title: 'Verbose server error',
        category: CAT,
        severity: 'medium',
        endpoint: templateEndpoint(ctx, ex.request.method, ex.request.url),
        evidence: ex,
        description: `A ${res.status} response exposes internal details (${INTERNALS.exec(res.body)?.[0]}).`,
      });
    }
  }
}

/** Security headers on a representative response, X-Powered-By, and the error page of an unknown route. */
export async function probeHeaders(ctx: ScanContext): Promise<void> {
  const https = ctx.client.base.protocol === 'https:';
  const loopback = isLoopbackHost(ctx.client.base.hostname);
  const samples: Exchange[] = [];
  if (ctx.auth.mePath) samples.push(await call(ctx, { method: 'GET', path: ctx.auth.mePath }, { user: ctx.a }));
  samples.push(await call(ctx, { method: 'GET', path: `/rampart-not-a-route-${ctx.seed}` }, { user: null }));
  const html = ctx.client.history.find((e) => e.response?.headers['content-type']?.includes('text/html'));
  if (html) samples.push(html);
  const malformedTarget = ctx.api.operations.find((o) => o.bodySchema && o.pathParams.length === 0);
  if (malformedTarget) samples.push(await call(ctx, malformedTarget, { user: ctx.a, raw: '{"rampart": "malformed' }));
  for (const ex of samples) {
    const h = ex.response?.headers;
    if (!h) continue;
    const where = templateEndpoint(ctx, ex.request.method, ex.request.url);
    if (h['x-content-type-options']?.toLowerCase() !== 'nosniff') {
      ctx.sink.add({
        ruleId: 'rampart-api8-nosniff-missing',
        title: 'X-Content-Type-Options: nosniff missing',
        category: CAT,
        severity: 'low',
        endpoint: where,
        evidence: ex,
        description:
          'Without nosniff a browser may sniff a JSON or text response as HTML/script. Send X-Content-Type-Options: nosniff on every response (helmet does).',
      });
    }
    const csp = h['content-security-policy'] ?? '';
    if (!/frame-ancestors/i.test(csp) && !h['x-frame-options']) {
      ctx.sink.add({
        ruleId: 'rampart-api8-framing-allowed',
        title: 'No frame-ancestors / X-Frame-Options',
        category: CAT,
        severity: 'low',
        endpoint: where,
        evidence: ex,
        description:
          "Responses can be framed by any site (clickjacking). Send Content-Security-Policy: frame-ancestors 'none' (and X-Frame-Options: DENY).",
      });
    }
    if (!h['strict-transport-security']) {
      ctx.sink.add({
        ruleId: 'rampart-api8-hsts-missing',
        title: 'Strict-Transport-Security missing',
        category: CAT,
        severity: https ? 'medium' : loopback ? 'info' : 'low',
        endpoint: where,
        evidence: ex,
        description: `No HSTS header${https ? ' on an HTTPS target' : ' (plain HTTP target: informational on loopback)'}. Send Strict-Transport-Security: max-age=31536000; includeSubDomains.`,
      });
    }
    if (h['x-powered-by']) {
      ctx.sink.add({
        ruleId: 'rampart-api8-x-powered-by',
        title: `X-Powered-By discloses the framework (${h['x-powered-by']})`,
        category: CAT,
        severity: 'low',
        endpoint: where,
        evidence: ex,
        description: "Remove X-Powered-By (app.disable('x-powered-by') or helmet).",
      });
    }
  }
}
