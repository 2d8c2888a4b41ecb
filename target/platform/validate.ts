import type { z } from 'zod';
import { formatPath } from '../../common/index.ts';
import { UnprocessableError } from './http-errors.ts';

/**
 * Parses `value` with `schema` (zod objects strip unknown keys, so mass
 * assignment of e.g. `role` is ignored) or throws a 422 naming every bad field.
 * `where` prefixes the field path for query/params ("query.limit").
 */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where?: 'query' | 'params' | 'headers',
): z.output<S> {
  const name = (path: ReadonlyArray<PropertyKey>) => {
    const p = formatPath(path);
    return where ? (p === '(root)' ? where : `${where}.${p}`) : p === '(root)' ? 'body' : p;
  };
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new UnprocessableError(
      result.error.issues.map((issue) => ({ field: name(issue.path), message: issue.message })),
    );
  }
  // PostgreSQL text cannot hold NUL (U+0000): refuse it here, naming the field, rather than fail in the database.
  const nul = findNul(result.data, []);
  if (nul) throw new UnprocessableError([{ field: name(nul), message: 'must not contain the NUL character (U+0000)' }]);
  return result.data;
}

function findNul(value: unknown, path: PropertyKey[]): PropertyKey[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNul(value[i], [...path, i]);
      if (hit) return hit;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const hit = findNul(v, [...path, k]);
      if (hit) return hit;
    }
  }
  return null;
}
