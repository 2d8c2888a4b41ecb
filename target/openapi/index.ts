export { openapiRouter } from './routes.ts';
export { openApiDocument, ALL_OPERATIONS } from './document.ts';
export { buildOperation, toSchema } from './builder.ts';
export type { OperationSpec, JsonSchema } from './builder.ts';
export { createResponseChecker } from './conformance.ts';
export type { ResponseCheck } from './conformance.ts';
