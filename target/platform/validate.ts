import type { z } from 'zod';
import { formatPath } from '../../common/index.ts';
import { UnprocessableError } from './http-errors.ts';

/**
 * Parses `value` with `schema` (zod objects strip unknown keys, so mass
 * assignment of e.g. `role` is ignored) or throws a 422 naming every bad field.
 * `where` prefixes the field path for query/params ("query.limit").
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where?: 'query' | 'params' | 'headers'): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = formatPath(issue.path);
    const field = where ? (path === '(root)' ? where : `${where}.${path}`) : path === '(root)' ? 'body' : path;
    return { field, message: issue.message };
  });
  throw new UnprocessableError(issues);
}
