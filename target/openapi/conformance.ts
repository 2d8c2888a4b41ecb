import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from './builder.ts';

/**
 * Checks a real response against the OpenAPI document: the operation exists,
 * the status is documented (any 4xx/5xx must at least be a problem+json), and
 * the body matches the documented schema (ajv, JSON Schema 2020-12, as
 * OpenAPI 3.1 uses). Used by the tests to validate every response they see.
 */
export interface ResponseCheck {
  (method: string, path: string, status: number, body: unknown): string[];
}

// ajv-formats is CommonJS with a default export.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

export function createResponseChecker(doc: JsonSchema): ResponseCheck {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema({ $id: 'openapi', components: (doc as { components: unknown }).components }, 'openapi');
  const fixRefs = (s: unknown): unknown =>
    JSON.parse(JSON.stringify(s).replace(/"#\/components\//g, '"openapi#/components/'));
  const paths = doc.paths as Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
  const routes = Object.entries(paths).map(([template, ops]) => ({
    regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    ops,
    template,
  }));
  const problem = ajv.compile(fixRefs({ $ref: '#/components/schemas/Problem' }) as object);
  const cache = new Map<string, ReturnType<typeof ajv.compile>>();

  return (method, rawPath, status, body) => {
    const path = rawPath.split('?')[0] as string;
    const route = routes.find((r) => r.regex.test(path));
    const op = route?.ops[method.toLowerCase()];
    if (!route || !op)
      return status === 404 || status === 401 || status === 405
        ? []
        : [`${method} ${path} is not in the document (answered ${status})`];
    const res = op.responses[String(status)];
    if (!res) {
      if (status >= 400) return problem(body) ? [] : [`${method} ${route.template} ${status}: not a problem document`];
      return [`${method} ${route.template} answered ${status}, which is not documented`];
    }
    const json = res.content?.['application/json'] ?? res.content?.['application/problem+json'];
    if (!json) return [];
    const key = `${method} ${route.template} ${status}`;
    let validate = cache.get(key);
    if (!validate) {
      validate = ajv.compile(fixRefs(json.schema) as object);
      cache.set(key, validate);
    }
    return validate(body)
      ? []
      : (validate.errors ?? []).map((e) => `${key}: ${e.instancePath || '(body)'} ${e.message}`);
  };
}
