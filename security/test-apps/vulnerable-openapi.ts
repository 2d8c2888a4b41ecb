/** The OpenAPI 3.1 document of the deliberately vulnerable app (it documents the routes honestly; the flaws are in the behaviour). */
const bearer = [{ bearer: [] }];
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];
const problem = { 'application/json': { schema: { type: 'object' } } };
const note = {
  type: 'object',
  required: ['id', 'ownerId', 'title', 'body'],
  properties: {
    id: { type: 'string' },
    ownerId: { type: 'string' },
    title: { type: 'string' },
    body: { type: 'string' },
  },
};
const noteInput = {
  type: 'object',
  required: ['title', 'body'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 100 },
    body: { type: 'string', minLength: 1, maxLength: 2000 },
  },
};
const json = (schema: object) => ({ 'application/json': { schema } });

export const vulnerableOpenApi = {
  openapi: '3.1.0',
  info: { title: 'Deliberately vulnerable notes API (rampart test app)', version: '1.0.0' },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  paths: {
    '/v1/auth/register': {
      post: {
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['email', 'password', 'handle'],
            properties: {
              email: { type: 'string', format: 'email' },
              password: { type: 'string', minLength: 8 },
              handle: { type: 'string', minLength: 3, maxLength: 30 },
            },
          }),
        },
        responses: {
          201: { description: 'created', content: json({ type: 'object' }) },
          422: { description: 'invalid', content: problem },
        },
      },
    },
    '/v1/auth/login': {
      post: {
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['email', 'password'],
            properties: { email: { type: 'string' }, password: { type: 'string' } },
          }),
        },
        responses: {
          200: { description: 'tokens', content: json({ type: 'object' }) },
          401: { description: 'bad credentials', content: problem },
        },
      },
    },
    '/v1/auth/logout': { post: { security: bearer, responses: { 204: { description: 'logged out' } } } },
    '/v1/users/me': {
      get: {
        security: bearer,
        responses: {
          200: { description: 'me', content: json({ type: 'object' }) },
          401: { description: 'no', content: problem },
        },
      },
      patch: {
        security: bearer,
        requestBody: {
          content: json({ type: 'object', properties: { handle: { type: 'string', minLength: 3, maxLength: 30 } } }),
        },
        responses: { 200: { description: 'me', content: json({ type: 'object' }) } },
      },
    },
    '/v1/users/{id}': {
      get: {
        security: bearer,
        parameters: idParam,
        responses: {
          200: { description: 'profile', content: json({ type: 'object' }) },
          404: { description: 'none', content: problem },
        },
      },
    },
    '/v1/notes': {
      get: {
        security: bearer,
        parameters: [
          { name: 'q', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 50 } },
        ],
        responses: {
          200: {
            description: 'notes',
            content: json({ type: 'object', properties: { items: { type: 'array', items: note } } }),
          },
        },
      },
      post: {
        security: bearer,
        requestBody: { required: true, content: json(noteInput) },
        responses: {
          201: { description: 'created', content: json(note) },
          422: { description: 'invalid', content: problem },
        },
      },
    },
    '/v1/notes/{id}': {
      get: {
        security: bearer,
        parameters: idParam,
        responses: {
          200: { description: 'note', content: json(note) },
          404: { description: 'none', content: problem },
        },
      },
      patch: {
        security: bearer,
        parameters: idParam,
        requestBody: { content: json({ type: 'object', properties: noteInput.properties }) },
        responses: { 200: { description: 'note', content: json(note) } },
      },
      delete: { security: bearer, parameters: idParam, responses: { 204: { description: 'deleted' } } },
    },
    '/v1/notes/{id}/pins': {
      post: {
        security: bearer,
        parameters: idParam,
        requestBody: { content: json({ type: 'object', properties: { position: { type: 'integer', minimum: 0 } } }) },
        responses: {
          201: { description: 'pinned', content: json({ type: 'object' }) },
          404: { description: 'none', content: problem },
        },
      },
    },
    '/v1/search': {
      get: {
        parameters: [{ name: 'q', in: 'query', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'HTML results', content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    },
    '/v1/admin/users': {
      get: { security: bearer, responses: { 200: { description: 'all users', content: json({ type: 'object' }) } } },
    },
  },
} as const;

/** The document for an auth style: `custom` renames the auth routes and fields (see vulnerable-app.ts). */
export function vulnerableOpenApiFor(style: 'default' | 'custom'): Record<string, unknown> {
  if (style === 'default') return vulnerableOpenApi;
  const { '/v1/auth/register': _r, '/v1/auth/login': _l, '/v1/auth/logout': logout, ...rest } = vulnerableOpenApi.paths;
  const str = { type: 'string' };
  return {
    ...vulnerableOpenApi,
    components: { securitySchemes: { bearer: { type: 'apiKey', in: 'header', name: 'x-api-token' } } },
    paths: {
      '/accounts/signup': {
        post: {
          requestBody: {
            required: true,
            content: json({
              type: 'object',
              required: ['mail', 'secret', 'nick'],
              properties: { mail: str, secret: str, nick: str },
            }),
          },
          responses: { 201: { description: 'created', content: json({ type: 'object' }) } },
        },
      },
      '/accounts/session': {
        post: {
          requestBody: {
            required: true,
            content: json({ type: 'object', required: ['mail', 'secret'], properties: { mail: str, secret: str } }),
          },
          responses: {
            200: { description: 'token in x-session-token', content: json({ type: 'object' }) },
            401: { description: 'bad credentials', content: problem },
          },
        },
      },
      '/accounts/session/end': logout,
      ...rest,
    },
  };
}
