import { UnauthorizedError } from './http-errors.ts';
import type { Logger } from './logger.ts';

export type Role = 'user' | 'editor' | 'admin';
export const ROLES: readonly Role[] = ['user', 'editor', 'admin'];

/** The authenticated caller, set by the authenticate middleware from a valid access token. */
export interface AuthUser {
  readonly id: string;
  readonly role: Role;
  /** The access token's jti (used by logout to deny-list it). */
  readonly tokenId: string;
  /** Seconds since epoch when the access token expires. */
  readonly tokenExp: number;
}

declare global {
  // Express's own augmentation point for res.locals.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      requestId?: string;
      log?: Logger;
      user?: AuthUser;
      /** Why the presented bearer token was refused (answered 401 after rate limiting). */
      authError?: Error;
      /** The deny-list check of res.locals.user's token, sent by authenticate, settled by rejectBadToken. */
      revocation?: Promise<void>;
      /** The matched route pattern, for metrics (e.g. /v1/users/:id). */
      routePattern?: string;
      /** Where the component router answering this request is mounted (e.g. /v1/users). */
      mountPath?: string;
    }
  }
}

/** The authenticated caller, for handlers behind requireAuth. */
export function currentUser(res: { locals: { user?: AuthUser } }): AuthUser {
  const user = res.locals.user;
  if (!user) throw new UnauthorizedError();
  return user;
}
