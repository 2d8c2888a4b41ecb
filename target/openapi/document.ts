import { buildOperation, problemSchema } from './builder.ts';
import type { JsonSchema, OperationSpec } from './builder.ts';
import { featureOperations } from './feature-operations.ts';
import { platformOperations } from './platform-operations.ts';

/** The OpenAPI 3.1 document of the whole API, built once per process. */
export const ALL_OPERATIONS: readonly OperationSpec[] = [...platformOperations, ...featureOperations];

let cached: JsonSchema | undefined;

export function openApiDocument(): JsonSchema {
  if (cached) return cached;
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of ALL_OPERATIONS) (paths[op.path] ??= {})[op.method] = buildOperation(op);
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'SocialConnect API',
      version: '1.0.0',
      description:
        'The reference backend rampart proves. Errors are RFC 9457 application/problem+json. Lists are {items, nextCursor} with opaque cursors; limit ≤ 100. Every response carries RateLimit-Policy/RateLimit headers and X-Request-Id.',
    },
    servers: [{ url: '/' }],
    tags: ['auth', 'users', 'admin', 'posts', 'likes', 'comments', 'feed', 'notifications', 'health', 'docs'].map(
      (name) => ({ name }),
    ),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: problemSchema },
    },
  };
  return cached;
}
