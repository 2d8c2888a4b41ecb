import type { ScanUser } from '../auth.ts';
import type { Exchange } from '../http.ts';
import { jsonBody, ok2xx } from '../http.ts';
import type { ApiOperation } from '../openapi.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, isAdminOp, isSafeMethod, nextPoolUser, paramsForPath } from '../scan-context.ts';
import { exampleFor, flatten, schemaType } from '../schema-example.ts';
import { SQL_ERROR } from './misconfiguration.ts';
import { sessionFrom } from './sql-auth-bypass.ts';
import { isCatchAllPage } from '../content.ts';
import { tagAccountFields } from '../ledger.ts';

const CAT = 'injection';

interface Slot {
  where: 'path' | 'query' | 'body';
  name: string;
  valid: string;
}

interface Request {
  op: ApiOperation;
  user: ScanUser;
  params: Record<string, string>;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
}

/**
 * Every parameter and body field, whatever its documented type: an id typed integer is still concatenated into
 * SQL somewhere (`/products/1'`), and a number in a body is still a value the server may trust.
 */
function slotsOf(req: Request): Slot[] {
  const slots: Slot[] = [];
  for (const p of req.op.pathParams)
    slots.push({
      where: 'path',
      name: p.name,
      valid: req.params[p.name] ?? (schemaType(p.schema) === 'integer' ? '1' : 'x'),
    });
  for (const p of req.op.queryParams) {
    const type = schemaType(flatten(p.schema));
    if (type !== 'object' && type !== 'array')
      slots.push({ where: 'query', name: p.name, valid: req.query[p.name] ?? String(exampleFor(p.schema)) });
  }
  if (req.body) {
    const props = (flatten(req.op.bodySchema ?? {}).properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const name of Object.keys(props)) {
      const v = req.body[name];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
        slots.push({ where: 'body', name, valid: String(v) });
    }
  }
  return slots;
}

let sent = 0;

function send(ctx: ScanContext, req: Request, slot: Slot, value: unknown, timeoutMs?: number): Promise<Exchange> {
  const params = { ...req.params };
  const query = { ...req.query };
  let body = req.body;
  if (slot.where === 'path') params[slot.name] = String(value);
  else if (slot.where === 'query') {
    if (typeof value === 'object' && value !== null) {
      delete query[slot.name];
      for (const [k, v] of Object.entries(value)) query[`${slot.name}[${k}]`] = String(v);
    } else query[slot.name] = String(value);
  } else body = { ...req.body, [slot.name]: value };
  sent += 1;
  return call(ctx, req.op, {
    user: req.user,
    params,
    query,
    json: tagAccountFields(ctx, req.op.path, body, sent),
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

function count(ex: Exchange): number {
  const b = jsonBody(ex);
  if (Array.isArray(b)) return b.length;
  if (b && typeof b === 'object') for (const v of Object.values(b)) if (Array.isArray(v)) return v.length;
  return -1;
}

/**
 * SQL (error, boolean and time based), NoSQL operator and reflected XSS
 * payloads on every string parameter (path, query, JSON body) of every operation.
 */
export async function probeInjection(ctx: ScanContext): Promise<void> {
  const sleepS = 3;
  let rateLimited = 0;
  let tested = 0;
  // DELETE and logout would destroy the scan's own objects and sessions.
  for (const op of ctx.api.operations.filter(
    (o) =>
      o.method !== 'DELETE' &&
      !isAdminOp(ctx, o) &&
      o.path !== ctx.auth.logout?.path &&
      (!ctx.readOnly || isSafeMethod(o.method)) &&
      (ctx.accounts !== 'anonymous' || !o.secured),
  )) {
    ctx.signal.throwIfAborted();
    const params = paramsForPath(ctx, op.path) ?? Object.fromEntries(op.pathParams.map((p) => [p.name, 'rampart']));
    const user = op.pathParams.length > 0 ? ctx.a : nextPoolUser(ctx);
    const body = op.bodySchema
      ? (exampleFor(op.bodySchema, { preferPrivate: true }) as Record<string, unknown>)
      : undefined;
    const query = Object.fromEntries(
      op.queryParams.filter((p) => p.required).map((p) => [p.name, String(exampleFor(p.schema))]),
    );
    const req: Request = { op, user, params, query, body };
    const baseline = await call(ctx, op, { user, params, query, json: tagAccountFields(ctx, op.path, body, 0) });
    for (const slot of slotsOf(req)) {
      tested += 1;
      const where = `${op.key} (${slot.where} "${slot.name}")`;
      // Error based.
      for (const payload of [
        `${slot.valid}'`,
        `${slot.valid}' OR '1'='1`,
        `${slot.valid}' OR 1=1--`,
        `${slot.valid}')) OR 1=1--`,
      ]) {
        const ex = await send(ctx, req, slot, payload);
        if (ex.response?.status === 429) rateLimited += 1;
        if (ex.response && SQL_ERROR.test(ex.response.body)) {
          ctx.sink.add({
            ruleId: 'rampart-inj-sql-error',
            title: 'SQL injection: a quote breaks the query',
            category: CAT,
            severity: 'high',
            endpoint: op.key,
            evidence: ex,
            description: `Sending ${JSON.stringify(payload)} in ${where} produced a database syntax error: the value reaches SQL unescaped. Use parameterised queries only.`,
          });
        }
      }
      // Boolean based (list endpoints).
      if (op.method === 'GET' && slot.where === 'query') {
        const plain = await send(ctx, req, slot, slot.valid);
        const t = await send(ctx, req, slot, `${slot.valid}' OR '1'='1' -- `);
        const f = await send(ctx, req, slot, `${slot.valid}' AND '1'='2' -- `);
        if (ok2xx(t) && count(t) > Math.max(count(plain), count(f), 0)) {
          ctx.sink.add({
            ruleId: 'rampart-inj-sql-boolean',
            title: 'SQL injection (boolean based)',
            category: CAT,
            severity: 'critical',
            endpoint: op.key,
            evidence: t,
            description: `In ${where}, an always-true condition returned ${count(t)} items against ${count(f)} for an always-false one and ${count(plain)} for the plain value.`,
          });
        }
      }
      // Time based.
      for (const payload of [
        `${slot.valid}'; SELECT pg_sleep(${sleepS}); -- `,
        `${slot.valid}' OR SLEEP(${sleepS}) -- `,
      ]) {
        const ex = await send(ctx, req, slot, payload, (sleepS + 5) * 1000);
        if (ex.ms > baseline.ms + (sleepS - 0.5) * 1000 && (ex.response !== null || /timeout/i.test(ex.error ?? ''))) {
          const again = await send(ctx, req, slot, slot.valid);
          if (again.ms < ex.ms - (sleepS - 0.5) * 1000) {
            ctx.sink.add({
              ruleId: 'rampart-inj-sql-time',
              title: 'SQL injection (time based)',
              category: CAT,
              severity: 'critical',
              endpoint: op.key,
              evidence: ex,
              description: `In ${where}, a sleep payload took ${Math.round(ex.ms)} ms against ${Math.round(again.ms)} ms for the plain value.`,
            });
          }
        }
      }
      // NoSQL operator in place of a string: must not turn a refusal into success.
      // Not on the register operation: its e-mail and handle are tagged strings (do no harm), never an operator.
      if (slot.where !== 'path' && !ok2xx(baseline) && op.path !== ctx.auth.register?.path) {
        const ex = await send(ctx, req, slot, { $ne: null });
        // On the login, success means a session in the answer; elsewhere a 2xx that is not the catch-all page.
        if (op.path === ctx.auth.login?.path ? sessionFrom(ctx, ex) : ok2xx(ex) && !isCatchAllPage(ctx.catchAll, ex)) {
          ctx.sink.add({
            ruleId: 'rampart-inj-nosql',
            title: 'NoSQL operator injection',
            category: CAT,
            severity: 'critical',
            endpoint: op.key,
            evidence: ex,
            description: `In ${where}, {"$ne": null} in place of a string turned a ${baseline.response?.status} into ${ex.response?.status}. Validate types (a string must be a string).`,
          });
        }
      }
      // Reflected XSS in HTML responses.
      const marker = `<script>alert('rampart-xss-${tested}')</script>`;
      const xss = await send(ctx, req, slot, slot.where === 'path' ? marker : `${slot.valid}${marker}`);
      if (
        xss.response &&
        /text\/html/i.test(xss.response.headers['content-type'] ?? '') &&
        xss.response.body.includes(marker)
      ) {
        ctx.sink.add({
          ruleId: 'rampart-inj-xss-reflected',
          title: 'Reflected XSS',
          category: CAT,
          severity: 'high',
          endpoint: op.key,
          evidence: xss,
          description: `In ${where}, a <script> payload came back unescaped in an HTML response. Escape output (or answer JSON only, with nosniff).`,
        });
      }
    }
  }
  ctx.notes.push(
    `security scan: injection payloads sent to ${tested} parameters and body fields${rateLimited ? ` (${rateLimited} answered 429 and were not evaluated)` : ''}`,
  );
}
