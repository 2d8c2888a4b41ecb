import SwaggerParser from '@apidevtools/swagger-parser';
import { isSwagger2, swagger2ToOpenApi3 } from './inputs/swagger2.ts';

export type JsonSchema = Record<string, unknown>;

export interface ParamSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

export interface ApiOperation {
  /** "GET /v1/posts/{id}" */
  key: string;
  method: string;
  path: string;
  pathParams: ParamSpec[];
  queryParams: ParamSpec[];
  bodySchema: JsonSchema | null;
  bodyRequired: boolean;
  /** Documented responses: status ("200", "4XX", "default") → JSON schema (null when none/non-JSON). */
  responses: Record<string, JsonSchema | null>;
  secured: boolean;
  tags: string[];
}

export interface ApiModel {
  doc: Record<string, unknown>;
  operations: ApiOperation[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export async function modelFromDocument(doc: Record<string, unknown>): Promise<ApiModel> {
  // swagger-parser resolves $ref (3.0 and 3.1 documents); validation is the target's job, not the scanner's.
  let deref = (await SwaggerParser.dereference(structuredClone(doc) as never, {
    dereference: { circular: 'ignore' },
  })) as unknown as Record<string, unknown>;
  if (isSwagger2(deref)) deref = swagger2ToOpenApi3(deref);
  const rawPaths = (deref.paths ?? {}) as Record<string, Record<string, unknown>>;
  // A server URL with a path ("/api", "https://host/api/v3") prefixes every path.
  const server = ((deref.servers ?? []) as { url?: string }[])[0]?.url ?? '';
  const prefix = (/^\w+:\/\/[^/]+(\/.*)?$/.exec(server)?.[1] ?? (server.startsWith('/') ? server : '')).replace(
    /\/$/,
    '',
  );
  const paths = Object.fromEntries(Object.entries(rawPaths).map(([p, v]) => [`${prefix}${p}`, v]));
  const globalSecurity = (deref.security ?? []) as unknown[];
  const operations: ApiOperation[] = [];
  for (const [path, item] of Object.entries(paths)) {
    const shared = (item.parameters ?? []) as Record<string, unknown>[];
    for (const method of METHODS) {
      const op = item[method] as Record<string, unknown> | undefined;
      if (!op) continue;
      const params = [...shared, ...((op.parameters ?? []) as Record<string, unknown>[])].map((p): ParamSpec => ({
        name: String(p.name),
        in: p.in as ParamSpec['in'],
        required: p.required === true || p.in === 'path',
        schema: (p.schema ?? { type: 'string' }) as JsonSchema,
      }));
      const body = op.requestBody as Record<string, unknown> | undefined;
      const content = (body?.content ?? {}) as Record<string, { schema?: JsonSchema }>;
      const jsonContent = Object.entries(content).find(([type]) => type.includes('json'))?.[1];
      const responses: Record<string, JsonSchema | null> = {};
      for (const [status, r] of Object.entries((op.responses ?? {}) as Record<string, Record<string, unknown>>)) {
        const rc = (r.content ?? {}) as Record<string, { schema?: JsonSchema }>;
        responses[status] = Object.entries(rc).find(([type]) => type.includes('json'))?.[1]?.schema ?? null;
      }
      const security = (op.security ?? globalSecurity) as Record<string, unknown>[];
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        bodySchema: jsonContent?.schema ?? null,
        bodyRequired: body?.required === true,
        responses,
        secured: security.length > 0 && !security.some((s) => Object.keys(s).length === 0),
        tags: (op.tags ?? []) as string[],
      });
    }
  }
  return { doc: isSwagger2(doc) ? deref : doc, operations };
}

/** A regular expression matching concrete paths of a template ("/v1/posts/{id}" → /^\/v1\/posts\/[^/]+$/). */
export function templateRegex(template: string): RegExp {
  const escaped = template
    .split(/\{[^}]+\}/)
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${escaped}/?$`);
}

export function fillPath(template: string, values: Record<string, string>): string {
  // toWellFormed: a lone surrogate (a fuzz value) cannot be percent-encoded; send U+FFFD as a URL would.
  return template.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(wellFormed(values[name] ?? 'x')));
}

/** The documented response schema for a status (exact, then "4XX", then "default"); undefined when the status is undocumented. */
export function documentedResponse(op: ApiOperation, status: number): { schema: JsonSchema | null } | undefined {
  const exact = op.responses[String(status)];
  if (exact !== undefined) return { schema: exact };
  const range = op.responses[`${String(status)[0]}XX`] ?? op.responses[`${String(status)[0]}xx`];
  if (range !== undefined) return { schema: range };
  const def = op.responses.default;
  if (def !== undefined) return { schema: def };
  return undefined;
}

/** Replaces lone surrogates with U+FFFD (String.prototype.toWellFormed, which ES2023 typings lack). */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
