import { randomUUID } from 'node:crypto';
import type { JsonSchema } from './openapi.ts';

export interface ExampleOptions {
  /** Pick "private" (or similar) where an enum offers it, so objects are not public by design. */
  preferPrivate?: boolean;
  /** Unique suffix for strings (emails, handles). */
  unique?: string;
}

const PRIVATE_WORDS = ['private', 'only_me', 'onlyme', 'hidden', 'draft'];

export function schemaType(schema: JsonSchema): string | undefined {
  const t = schema.type;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') as string | undefined;
  if (typeof t === 'string') return t;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return undefined;
}

/** Merges allOf and picks the first oneOf/anyOf branch. */
export function flatten(schema: JsonSchema): JsonSchema {
  if (Array.isArray(schema.allOf)) {
    const merged: JsonSchema = { ...schema, allOf: undefined };
    for (const part of schema.allOf as JsonSchema[]) {
      const p = flatten(part);
      merged.properties = { ...(merged.properties as object), ...(p.properties as object) };
      merged.required = [...((merged.required as string[]) ?? []), ...((p.required as string[]) ?? [])];
      for (const [k, v] of Object.entries(p)) if (!(k in merged) || merged[k] === undefined) merged[k] = v;
    }
    return merged;
  }
  const alt = (schema.oneOf ?? schema.anyOf) as JsonSchema[] | undefined;
  if (Array.isArray(alt) && alt.length > 0) {
    const nonNull = alt.find((s) => s.type !== 'null') ?? alt[0];
    return flatten({ ...schema, oneOf: undefined, anyOf: undefined, ...nonNull });
  }
  return schema;
}

/** A deterministic valid value for a schema: what a well-behaved client would send. */
export function exampleFor(input: JsonSchema, opts: ExampleOptions = {}, depth = 0): unknown {
  const schema = flatten(input);
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    const privateValue = opts.preferPrivate
      ? schema.enum.find((v) => typeof v === 'string' && PRIVATE_WORDS.includes(v.toLowerCase()))
      : undefined;
    return privateValue ?? schema.enum.find((v) => v !== null) ?? schema.enum[0];
  }
  if (schema.example !== undefined && typeof schema.example !== 'object') return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0 && typeof schema.examples[0] !== 'object')
    return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  const unique = opts.unique ?? randomUUID().slice(0, 8);
  switch (schemaType(schema)) {
    case 'string':
      return exampleString(schema, unique);
    case 'integer':
    case 'number': {
      const min =
        typeof schema.minimum === 'number'
          ? schema.minimum
          : typeof schema.exclusiveMinimum === 'number'
            ? schema.exclusiveMinimum + 1
            : 1;
      const max = typeof schema.maximum === 'number' ? schema.maximum : min + 10;
      return Math.min(Math.max(min, 1), max);
    }
    case 'boolean':
      return true;
    case 'array': {
      if (depth > 4) return [];
      const n = typeof schema.minItems === 'number' ? schema.minItems : 1;
      return Array.from({ length: n }, () =>
        exampleFor((schema.items ?? { type: 'string' }) as JsonSchema, opts, depth + 1),
      );
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      if (depth > 4) return out;
      const required = new Set((schema.required as string[] | undefined) ?? []);
      for (const [name, prop] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
        if (prop.readOnly === true) continue;
        if (!required.has(name) && flatten(prop).type === 'null') continue;
        out[name] = exampleFor(prop, { ...opts, unique }, depth + 1);
      }
      return out;
    }
    default:
      return 'rampart';
  }
}

function exampleString(schema: JsonSchema, unique: string): string {
  const format = schema.format as string | undefined;
  let s: string;
  switch (format) {
    case 'email':
      return `rampart-scan-${unique}@example.test`;
    case 'uuid':
      return randomUUID();
    case 'date-time':
      return new Date().toISOString();
    case 'date':
      return new Date().toISOString().slice(0, 10);
    case 'uri':
    case 'url':
      return 'https://example.test/';
    case 'password':
      s = 'Rampart-scan-pw-7431!';
      break;
    default:
      s = `rampart${unique}`;
  }
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern as string, 'u').test(s)) {
    s = /[a-z]/.test(schema.pattern as string) ? `r${unique.replace(/[^a-z0-9]/g, '')}` : s;
  }
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  while (s.length < min) s += 'x';
  return s.slice(0, Math.max(min, Math.min(max, s.length)));
}
