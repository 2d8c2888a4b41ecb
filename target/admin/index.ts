// Public door of the admin component.
export { adminRouter } from './routes.ts';
