// Public door of the users component.
export { usersRouter, ownView } from './routes.ts';
export { createUsersRepo } from './data-access/users-repo.ts';
export type { UsersRepo, UserRecord, PublicProfile } from './data-access/users-repo.ts';
export * as userSchemas from './schemas.ts';
