/**
 * Swagger 2.0 → OpenAPI 3.0, for a document swagger-parser has already
 * dereferenced (every $ref inlined, so #/definitions never needs rewriting).
 * Only what the scanner reads is carried over: paths, parameters, request
 * bodies, JSON responses, security and the base path. (The npm converter,
 * swagger2openapi, was last released in 2021 and pulls ~40 packages for the
 * same result on this subset.)
 */
type Obj = Record<string, unknown>;

const PARAM_KEYS = [
  'type',
  'format',
  'enum',
  'items',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'default',
  'minItems',
  'maxItems',
];

function schemaOfParam(p: Obj): Obj {
  return Object.fromEntries(PARAM_KEYS.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));
}

function convertOperation(op: Obj, consumes: string[], produces: string[]): Obj {
  const params = (op.parameters ?? []) as Obj[];
  const out: Obj = {
    ...op,
    parameters: params
      .filter((p) => ['path', 'query', 'header', 'cookie'].includes(String(p.in)))
      .map((p) => ({
        name: p.name,
        in: p.in,
        required: p.required === true || p.in === 'path',
        ...(p.description ? { description: p.description } : {}),
        schema: schemaOfParam(p),
      })),
  };
  delete out.consumes;
  delete out.produces;
  const opConsumes = (op.consumes as string[] | undefined) ?? consumes;
  const body = params.find((p) => p.in === 'body');
  const form = params.filter((p) => p.in === 'formData');
  if (body) {
    const type = opConsumes.find((t) => t.includes('json')) ?? opConsumes[0] ?? 'application/json';
    out.requestBody = { required: body.required === true, content: { [type]: { schema: body.schema ?? {} } } };
  } else if (form.length > 0) {
    const type = opConsumes.find((t) => t.includes('form')) ?? 'application/x-www-form-urlencoded';
    out.requestBody = {
      content: {
        [type]: {
          schema: {
            type: 'object',
            properties: Object.fromEntries(form.map((p) => [p.name, schemaOfParam(p)])),
            required: form.filter((p) => p.required === true).map((p) => p.name),
          },
        },
      },
    };
  }
  const opProduces = (op.produces as string[] | undefined) ?? produces;
  const type = opProduces.find((t) => t.includes('json')) ?? opProduces[0] ?? 'application/json';
  out.responses = Object.fromEntries(
    Object.entries((op.responses ?? {}) as Record<string, Obj>).map(([status, r]) => [
      status,
      {
        description: r.description ?? '',
        ...(r.schema ? { content: { [type]: { schema: r.schema } } } : {}),
      },
    ]),
  );
  return out;
}

function convertScheme(s: Obj): Obj {
  if (s.type === 'basic') return { type: 'http', scheme: 'basic' };
  if (s.type === 'apiKey') return { type: 'apiKey', in: s.in, name: s.name };
  return { type: 'oauth2', flows: {} };
}

export function isSwagger2(doc: Obj): boolean {
  return typeof doc.swagger === 'string' && doc.swagger.startsWith('2');
}

export function swagger2ToOpenApi3(doc: Obj): Obj {
  const consumes = (doc.consumes as string[] | undefined) ?? ['application/json'];
  const produces = (doc.produces as string[] | undefined) ?? ['application/json'];
  const paths: Record<string, Obj> = {};
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Obj>)) {
    const shared = (item.parameters ?? []) as Obj[];
    const next: Obj = {};
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'delete', 'options', 'head', 'patch'].includes(method)) continue;
      const merged = { ...(op as Obj), parameters: [...shared, ...(((op as Obj).parameters ?? []) as Obj[])] };
      next[method] = convertOperation(merged, consumes, produces);
    }
    paths[path] = next;
  }
  const basePath = typeof doc.basePath === 'string' && doc.basePath !== '/' ? doc.basePath.replace(/\/$/, '') : '';
  return {
    openapi: '3.0.3',
    info: doc.info ?? { title: 'converted', version: '0' },
    ...(basePath ? { servers: [{ url: basePath }] } : {}),
    paths,
    ...(doc.security ? { security: doc.security } : {}),
    components: {
      securitySchemes: Object.fromEntries(
        Object.entries((doc.securityDefinitions ?? {}) as Record<string, Obj>).map(([k, v]) => [k, convertScheme(v)]),
      ),
    },
    'x-rampart-converted-from': `swagger ${String(doc.swagger)}`,
  };
}
