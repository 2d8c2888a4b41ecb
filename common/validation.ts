import type { z } from 'zod';
import { InputError, type InputErrorCode } from './errors.ts';

/** "a.b[2].c" for a zod issue path. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

/**
 * Validates `value` against `schema` and returns the parsed, frozen result, or
 * throws an InputError with `code` whose message names every bad key.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  options: { code: InputErrorCode; what: string; hint?: string },
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const lines = formatIssues(result.error);
    throw new InputError(options.code, `${options.what} is invalid:\n  ${lines.join('\n  ')}`, {
      hint: options.hint,
      details: { issues: lines },
    });
  }
  return result.data;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
