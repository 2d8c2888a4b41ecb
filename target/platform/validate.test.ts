import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { UnprocessableError } from './http-errors.ts';
import { validate } from './validate.ts';

describe('validate', () => {
  const schema = z.object({ name: z.string().min(2), tags: z.array(z.string()).optional() });

  it('returns the parsed value without unknown keys', () => {
    expect(validate(schema, { name: 'ab', role: 'admin' })).toEqual({ name: 'ab' });
  });

  it('throws a 422 naming each bad field, prefixed for query parameters', () => {
    try {
      validate(schema, { name: 'a' }, 'query');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UnprocessableError);
      expect((err as UnprocessableError).issues.map((i) => i.field)).toEqual(['query.name']);
    }
  });

  it('refuses the NUL character anywhere, naming where (PostgreSQL text cannot store it)', () => {
    expect(() => validate(schema, { name: 'a\u0000b' })).toThrow(/name: must not contain the NUL/);
    expect(() => validate(schema, { name: 'ok', tags: ['x', '\u0000'] })).toThrow(/tags\[1\]/);
  });
});
