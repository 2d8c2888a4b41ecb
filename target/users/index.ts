// Public door of the users component.
export { usersRouter } from './routes.ts';
