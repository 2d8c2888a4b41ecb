import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from '../openapi.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** OpenAPI 3.0 `nullable: true` → JSON Schema's type: [..., 'null'] (3.1 documents are plain 2020-12). */
export function normalizeSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeSchema);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] =
      k === 'properties' || k === 'patternProperties'
        ? Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, normalizeSchema(pv)]))
        : normalizeSchema(v);
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  delete out.nullable;
  delete out.discriminator;
  delete out.xml;
  delete out.example;
  return out;
}

/** ajv validators for request and response schemas, compiled once each. */
export class SchemaValidator {
  private readonly ajv: Ajv2020;
  private readonly coercing: Ajv2020;
  private readonly cache = new Map<unknown, ValidateFunction>();
  private readonly coercedCache = new Map<unknown, ValidateFunction>();

  constructor() {
    this.ajv = addFormats(new Ajv2020({ strict: false, allErrors: false, validateFormats: true }));
    this.coercing = addFormats(new Ajv2020({ strict: false, coerceTypes: true, validateFormats: true }));
  }

  /** Returns null when valid, else the first error as text. */
  check(schema: JsonSchema, value: unknown): string | null {
    let fn = this.cache.get(schema);
    if (!fn) {
      fn = this.ajv.compile(normalizeSchema(schema) as object);
      this.cache.set(schema, fn);
    }
    if (fn(value)) return null;
    const e = fn.errors?.[0];
    return e ? `${e.instancePath || '(root)'} ${e.message ?? 'invalid'}` : 'invalid';
  }

  /** Validates a query/path parameter as the server receives it (a string, coerced). */
  checkParam(schema: JsonSchema, raw: string): string | null {
    let fn = this.coercedCache.get(schema);
    if (!fn) {
      fn = this.coercing.compile({ type: 'object', properties: { v: normalizeSchema(schema) } });
      this.coercedCache.set(schema, fn);
    }
    const holder = { v: raw };
    if (fn(holder)) return null;
    return fn.errors?.[0]?.message ?? 'invalid';
  }
}
