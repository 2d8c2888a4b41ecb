// Public door of the auth component.
export { authRouter } from './routes.ts';
export { authServicesFor } from './services.ts';
export type { AuthServices } from './services.ts';
export { requireAuth, requireRole, rejectBadToken } from './guards.ts';
export { currentUser } from '../platform/locals.ts';
export { createAccessTokens, ISSUER, AUDIENCE } from './domain/access-tokens.ts';
export type { AccessTokens } from './domain/access-tokens.ts';
export * as authSchemas from './schemas.ts';
