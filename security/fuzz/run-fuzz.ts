import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import type { Exchange } from '../http.ts';
import { jsonBody } from '../http.ts';
import type { ApiOperation } from '../openapi.ts';
import { documentedResponse } from '../openapi.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, isAdminOp, isSafeMethod, nextPoolUser, paramsForPath } from '../scan-context.ts';
import { exampleFor, flatten, schemaType } from '../schema-example.ts';
import { tagAccountFields } from '../ledger.ts';
import type { BodyCase } from './arbitraries.ts';
import { bodyCaseArb, paramCaseArb } from './arbitraries.ts';
import { toCurl } from './curl.ts';
import { SchemaValidator } from './schema-validator.ts';

const CAT = 'fuzz';
const MAX_WAIT_MS = 5 * 60_000;

interface FuzzCase {
  body?: BodyCase;
  param?: { where: 'path' | 'query'; name: string; value: unknown };
}

function opSeed(seed: number, key: string): number {
  return (seed ^ createHash('sha1').update(key).digest().readInt32BE(0)) | 0;
}

function caseArb(op: ApiOperation): fc.Arbitrary<FuzzCase> {
  const arbs: fc.Arbitrary<FuzzCase>[] = [];
  if (op.bodySchema && op.method !== 'GET' && op.method !== 'DELETE')
    arbs.push(bodyCaseArb(op.bodySchema).map((body) => ({ body })));
  for (const p of [...op.pathParams, ...op.queryParams]) {
    arbs.push(
      paramCaseArb(p.schema).map((value) => ({ param: { where: p.in as 'path' | 'query', name: p.name, value } })),
    );
  }
  return arbs.length > 0 ? fc.oneof(...arbs) : fc.constant({});
}

const EDGE_STRINGS = ['\u0000', 'a\ud800b'];

/** For every string property of the body: the same valid body with that property set to each edge string. */
function edgeCases(op: ApiOperation, seed: number): FuzzCase[] {
  if (!op.bodySchema || op.method === 'GET' || op.method === 'DELETE') return [];
  const s = flatten(op.bodySchema);
  const base = exampleFor(s, { preferPrivate: true, unique: `f${seed}` });
  if (!base || typeof base !== 'object' || Array.isArray(base)) return [];
  const out: FuzzCase[] = [];
  for (const [name, prop] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
    if (schemaType(flatten(prop)) !== 'string' || flatten(prop).format || flatten(prop).enum) continue;
    for (const edge of EDGE_STRINGS) out.push({ body: { kind: 'nasty-string', value: { ...base, [name]: edge } } });
  }
  return out;
}

function stringify(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null');
}

/**
 * Negative fuzzing from the OpenAPI document: for each operation, seeded
 * fast-check samples of valid and invalid bodies and parameters. A case is
 * "invalid" when ajv says so against the documented schema (so a generator
 * can never produce a false alarm). Checks: no 5xx, 4xx for invalid input,
 * status documented, response body matches the documented schema.
 */
export async function runFuzz(ctx: ScanContext): Promise<{ cases: number; rateLimited: number }> {
  const validator = new SchemaValidator();
  const numRuns = ctx.profile === 'quick' ? 10 : 60;
  let cases = 0;
  let rateLimited = 0;
  let waitedMs = 0;
  for (const op of ctx.api.operations.filter(
    (o) => !isAdminOp(ctx, o) && o.path !== ctx.auth.logout?.path && (!ctx.readOnly || isSafeMethod(o.method)),
  )) {
    ctx.signal.throwIfAborted();
    const ownParams = paramsForPath(ctx, op.path);
    if (ownParams === null && op.pathParams.length > 0 && op.method !== 'GET') continue;
    const seed = opSeed(ctx.seed, op.key);
    // Random cases from the seed, then the edge cases every string field gets (NUL, a lone surrogate).
    const samples = [...fc.sample(caseArb(op), { seed, numRuns }), ...edgeCases(op, ctx.seed)];
    for (const [i, c] of samples.entries()) {
      // DELETE with a real id would remove A's objects; fuzz only its parameters.
      if (op.method === 'DELETE' && !c.param) continue;
      const params = { ...(ownParams ?? Object.fromEntries(op.pathParams.map((p) => [p.name, 'rampart']))) };
      const query: Record<string, string> = Object.fromEntries(
        op.queryParams
          .filter((p) => p.required)
          .map((p) => [p.name, String(exampleFor(p.schema, { unique: `f${ctx.seed}` }))]),
      );
      const reasons: string[] = [];
      if (c.param?.where === 'path') {
        // An empty segment would route to another operation (/posts/ is the list), not test this one.
        if (stringify(c.param.value).trim() === '') continue;
        params[c.param.name] = stringify(c.param.value);
      }
      if (c.param?.where === 'query') query[c.param.name] = stringify(c.param.value);
      if (c.param) {
        const spec = [...op.pathParams, ...op.queryParams].find((p) => p.name === c.param?.name);
        const err = spec ? validator.checkParam(spec.schema, stringify(c.param.value)) : null;
        if (err) reasons.push(`${c.param.where} parameter "${c.param.name}" ${err}`);
      }
      let json: unknown;
      let raw: string | undefined;
      if (op.bodySchema && op.method !== 'GET' && op.method !== 'DELETE') {
        const body = c.body ?? {
          kind: 'valid' as const,
          value: exampleFor(op.bodySchema, { preferPrivate: true, unique: `f${ctx.seed}` }),
        };
        if (body.kind === 'malformed-json') {
          raw = body.raw;
          reasons.push('malformed JSON');
        } else {
          json = tagAccountFields(ctx, op.path, body.value, i);
          const err = validator.check(op.bodySchema, json);
          if (err) reasons.push(`body ${err} (${body.kind})`);
        }
      }
      const user = ownParams && op.pathParams.length > 0 && c.param?.where !== 'path' ? ctx.a : nextPoolUser(ctx);
      const send = () =>
        call(ctx, op, { user, params, query, ...(raw !== undefined ? { raw } : json !== undefined ? { json } : {}) });
      let ex = await send();
      // The full profile waits out a rate limit (once, bounded) so every case is judged; quick counts it as not evaluated.
      if (ex.response?.status === 429 && ctx.profile === 'full' && waitedMs < MAX_WAIT_MS) {
        const ms = Math.min(
          Number(ex.response.headers['retry-after'] ?? 5) * 1000 || 5000,
          61_000,
          MAX_WAIT_MS - waitedMs,
        );
        waitedMs += ms;
        await sleep(ms, undefined, { signal: ctx.signal });
        ex = await send();
      }
      if (ex.notSent !== undefined) continue; // kept back by the do-no-harm guard: nothing was sent
      cases += 1;
      if (ex.response?.status === 429) {
        rateLimited += 1;
        continue;
      }
      judge(ctx, validator, op, ex, reasons, `seed ${ctx.seed}, case ${i + 1}/${samples.length}`);
    }
  }
  ctx.notes.push(
    `security scan: fuzzing sent ${cases} cases (seed ${ctx.seed})${rateLimited ? `, ${rateLimited} answered 429 and were not evaluated` : ''}${waitedMs ? `; waited ${Math.round(waitedMs / 1000)} s for rate limits` : ''}`,
  );
  return { cases, rateLimited };
}

function judge(
  ctx: ScanContext,
  validator: SchemaValidator,
  op: ApiOperation,
  ex: Exchange,
  reasons: string[],
  where: string,
): void {
  const invalid = reasons.length > 0;
  const input = invalid ? `invalid input (${reasons.join('; ')})` : 'valid input';
  const repro = `\nReproduce (${where}):\n  ${toCurl(ex)}`;
  if (!ex.response) {
    ctx.sink.add({
      ruleId: 'rampart-fuzz-no-response',
      title: 'No response (connection dropped or timed out)',
      category: CAT,
      severity: 'medium',
      endpoint: op.key,
      evidence: ex,
      description: `${op.key} gave no response to ${input}: ${ex.error}.${repro}`,
    });
    return;
  }
  const status = ex.response.status;
  if (status >= 500 && status !== 503) {
    ctx.sink.add({
      ruleId: 'rampart-fuzz-5xx',
      title: `Server error ${status} on ${invalid ? 'invalid' : 'valid'} input`,
      category: CAT,
      severity: 'medium',
      endpoint: op.key,
      evidence: ex,
      description: `${op.key} answered ${status} to ${input}. Validate input and answer 4xx; a 5xx means an unhandled path.${repro}`,
    });
    return;
  }
  // A discovered document is a guess: only what is wrong whatever the contract (5xx, no answer) counts.
  if (ctx.discovered) return;
  if (invalid && status >= 200 && status < 300) {
    ctx.sink.add({
      ruleId: 'rampart-fuzz-invalid-accepted',
      title: 'Invalid input accepted',
      category: CAT,
      severity: 'medium',
      endpoint: op.key,
      evidence: ex,
      description: `${op.key} answered ${status} to ${input}; the document says it is invalid. Validate every input against the documented schema and answer 4xx (or fix the document).${repro}`,
    });
  }
  // 503 (degraded), and transport-level refusals (413/414/431) are legitimate for any operation.
  if ([503, 413, 414, 431].includes(status)) return;
  const documented = documentedResponse(op, status);
  if (!documented) {
    ctx.sink.add({
      ruleId: 'rampart-fuzz-undocumented-status',
      title: `Undocumented status ${status}`,
      category: CAT,
      severity: 'low',
      endpoint: `${op.key} → ${status}`,
      evidence: ex,
      description: `${op.key} answered ${status}, which its responses do not list.${repro}`,
    });
    return;
  }
  if (documented.schema && ex.response.body !== '') {
    const body = jsonBody(ex);
    const err = body === undefined ? 'body is not JSON' : validator.check(documented.schema, body);
    if (err) {
      ctx.sink.add({
        ruleId: 'rampart-fuzz-response-schema',
        title: `Response ${status} does not match its documented schema`,
        category: CAT,
        severity: status < 300 ? 'medium' : 'low',
        endpoint: `${op.key} → ${status}`,
        evidence: ex,
        description: `${op.key} answered ${status} with a body that fails the documented schema: ${err}.${repro}`,
      });
    }
  }
}
