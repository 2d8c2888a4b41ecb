import { z } from 'zod';

/**
 * A small OpenAPI 3.1 builder: operations are described with the same zod
 * schemas the routes validate with, converted by `z.toJSONSchema` (request
 * bodies and query/path parameters as the *input* shape, responses as the
 * *output* shape), so the document cannot drift from the validation.
 */
export type JsonSchema = Record<string, unknown>;
type Method = 'get' | 'post' | 'patch' | 'delete' | 'put';

export interface OperationSpec {
  method: Method;
  /** OpenAPI path, e.g. /v1/posts/{id}. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  auth?: boolean;
  /** Routes mounted before validation/rate limiting (health, docs): no default 422/429/503. */
  plain?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: { name: string; required: boolean; description: string; schema: JsonSchema }[];
  body?: z.ZodType;
  /** status → response: zod schema (JSON), a raw content map, or null for no body. */
  responses: Record<
    number,
    {
      description: string;
      schema?: z.ZodType | JsonSchema | null;
      contentType?: string;
      headers?: Record<string, JsonSchema>;
    }
  >;
}

export function toSchema(schema: z.ZodType | JsonSchema, io: 'input' | 'output'): JsonSchema {
  if (!(schema instanceof z.ZodType)) return schema;
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete out.$schema;
  return out;
}

const problemRef = { $ref: '#/components/schemas/Problem' };

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed request (e.g. invalid JSON).',
  401: 'Missing, invalid, expired or revoked access token.',
  403: 'Authenticated but not allowed.',
  404: 'Not found (also for private objects of other users).',
  409: 'Conflict with the current state.',
  413: 'Body larger than the limit.',
  422: 'Validation failed; `errors[]` names each field.',
  429: 'Rate limited; see Retry-After.',
  503: 'A dependency is unavailable; see Retry-After.',
};

export function buildOperation(spec: OperationSpec): JsonSchema {
  const parameters: JsonSchema[] = [];
  const addParams = (obj: z.ZodObject | undefined, where: 'path' | 'query') => {
    if (!obj) return;
    const js = toSchema(obj, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(js.properties ?? {})) {
      parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema });
    }
  };
  addParams(spec.params, 'path');
  addParams(spec.query, 'query');
  for (const h of spec.headers ?? [])
    parameters.push({ name: h.name, in: 'header', required: h.required, description: h.description, schema: h.schema });

  const responses: Record<string, JsonSchema> = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    const entry: JsonSchema = { description: r.description };
    if (r.schema) entry.content = { [r.contentType ?? 'application/json']: { schema: toSchema(r.schema, 'output') } };
    if (r.headers) entry.headers = Object.fromEntries(Object.entries(r.headers).map(([k, s]) => [k, { schema: s }]));
    responses[status] = entry;
  }
  const validated =
    spec.body !== undefined || spec.query !== undefined || spec.params !== undefined || (spec.headers?.length ?? 0) > 0;
  const errors = spec.plain
    ? []
    : [
        ...(spec.body !== undefined ? [400, 413] : []),
        ...(validated ? [422] : []),
        429,
        503,
        ...(spec.auth ? [401] : []),
      ];
  for (const status of errors) {
    responses[String(status)] ??= {
      description: ERROR_TEXT[status],
      content: { 'application/problem+json': { schema: problemRef } },
    };
  }
  for (const [status, r] of Object.entries(responses)) {
    if (Number(status) >= 400 && !r.content) r.content = { 'application/problem+json': { schema: problemRef } };
  }
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    tags: [spec.tag],
    ...(spec.auth ? { security: [{ bearerAuth: [] }] } : { security: [] }),
    ...(parameters.length ? { parameters } : {}),
    ...(spec.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(spec.body, 'input') } } } }
      : {}),
    responses,
  };
}

export function errorResponse(status: number, description = ERROR_TEXT[status] ?? 'Error') {
  return { description, schema: problemRef };
}

export const problemSchema: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};
