import fc from 'fast-check';
import type { JsonSchema } from '../openapi.ts';
import { flatten, schemaType } from '../schema-example.ts';

/**
 * fast-check arbitraries derived from JSON Schema. Written here because no
 * maintained JSON-Schema→fast-check bridge supports OpenAPI 3.1 schemas on
 * fast-check 4; this covers the keywords request schemas use (type, enum,
 * const, format, min/max, lengths, items, properties, required, oneOf/anyOf/allOf).
 */
export function validArb(input: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const schema = flatten(input);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schemaType(schema)) {
    case 'string':
      return stringArb(schema);
    case 'integer':
      return fc.integer({ min: num(schema.minimum, -1e6), max: num(schema.maximum, 1e6) });
    case 'number':
      return fc.double({
        min: num(schema.minimum, -1e6),
        max: num(schema.maximum, 1e6),
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      if (depth > 3) return fc.constant([]);
      return fc.array(validArb((schema.items ?? {}) as JsonSchema, depth + 1), {
        minLength: num(schema.minItems, 0),
        maxLength: Math.min(num(schema.maxItems, 4), 4),
      });
    }
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
      if (depth > 3) return fc.constant({});
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) if (v.readOnly !== true) model[k] = validArb(v, depth + 1);
      return fc.record(model, {
        requiredKeys: ((schema.required as string[] | undefined) ?? []).filter((k) => k in model),
      });
    }
    default:
      return fc.oneof(fc.string(), fc.integer(), fc.boolean());
  }
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

function stringArb(schema: JsonSchema): fc.Arbitrary<string> {
  switch (schema.format) {
    case 'email':
      return fc.emailAddress();
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString());
    case 'uri':
    case 'url':
      return fc.webUrl();
    default:
      break;
  }
  if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern));
  const minLength = num(schema.minLength, 0);
  const maxLength = Math.min(num(schema.maxLength, 64), minLength + 64);
  return fc.string({ minLength, maxLength, unit: 'grapheme' });
}

/** Values of the wrong JSON type for a schema. */
function wrongTypeArb(schema: JsonSchema): fc.Arbitrary<unknown> {
  const t = schemaType(flatten(schema));
  const all: [string, fc.Arbitrary<unknown>][] = [
    ['string', fc.string({ maxLength: 8 })],
    ['integer', fc.integer()],
    ['number', fc.double({ noNaN: true, noDefaultInfinity: true })],
    ['boolean', fc.boolean()],
    ['array', fc.array(fc.integer(), { maxLength: 3 })],
    ['object', fc.constant({ $gt: '' })],
    ['null', fc.constant(null)],
  ];
  return fc.oneof(...all.filter(([name]) => name !== t && !(t === 'number' && name === 'integer')).map(([, a]) => a));
}

/** Strings that stress parsers: long, control characters, lone surrogates, RTL, emoji, NUL. */
export const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '\u0000',
    '\ud800',
    '\u202e\u0041',
    '𝕽𝖆𝖒𝖕𝖆𝖗𝖙',
    '👩‍👩‍👧‍👦'.repeat(50),
    '%00',
    '../../etc/passwd',
    '${7*7}',
    '{{7*7}}',
    '\\',
    '"',
    "'",
    '-1',
    '1e309',
    'NaN',
  ),
  fc.integer({ min: 5000, max: 120_000 }).map((n) => 'A'.repeat(n)),
);

export type BodyCase =
  | { kind: 'valid'; value: unknown }
  | { kind: 'wrong-type' | 'missing-required' | 'boundary' | 'nasty-string' | 'not-an-object'; value: unknown }
  | { kind: 'malformed-json'; raw: string };

/** Request bodies for an operation: valid ones and mutations of them (the classifier decides with ajv). */
export function bodyCaseArb(schema: JsonSchema): fc.Arbitrary<BodyCase> {
  const s = flatten(schema);
  const props = Object.keys((s.properties ?? {}) as object);
  const required = ((s.required as string[] | undefined) ?? []).filter((k) => props.includes(k));
  const base = validArb(s).map((v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {},
  );
  const propSchema = (k: string) => ((s.properties as Record<string, JsonSchema>)[k] ?? {}) as JsonSchema;
  const arbs: fc.Arbitrary<BodyCase>[] = [validArb(s).map((value) => ({ kind: 'valid' as const, value }))];
  if (props.length > 0) {
    arbs.push(
      fc
        .tuple(base, fc.constantFrom(...props))
        .chain(([b, k]) =>
          wrongTypeArb(propSchema(k)).map((w) => ({ kind: 'wrong-type' as const, value: { ...b, [k]: w } })),
        ),
    );
    arbs.push(
      fc
        .tuple(base, fc.constantFrom(...props))
        .chain(([b, k]) => nastyString.map((w) => ({ kind: 'nasty-string' as const, value: { ...b, [k]: w } }))),
    );
    arbs.push(
      fc
        .tuple(base, fc.constantFrom(...props))
        .map(([b, k]) => ({ kind: 'boundary' as const, value: { ...b, [k]: boundaryValue(propSchema(k)) } })),
    );
  }
  if (required.length > 0) {
    arbs.push(
      fc.tuple(base, fc.constantFrom(...required)).map(([b, k]) => {
        const copy = { ...b };
        delete copy[k];
        return { kind: 'missing-required' as const, value: copy };
      }),
    );
  }
  arbs.push(
    fc.constantFrom<unknown>([], 42, 'text', null, true).map((value) => ({ kind: 'not-an-object' as const, value })),
  );
  arbs.push(
    fc
      .constantFrom('{', '{"a":', '{"a" 1}', "{'a':1}", '[1,2', '{"a":1}}', 'null null', '\u0000')
      .map((raw) => ({ kind: 'malformed-json' as const, raw })),
  );
  return fc.oneof(...arbs);
}

/** One step past a documented bound (length, range, item count). */
export function boundaryValue(input: JsonSchema): unknown {
  const s = flatten(input);
  const t = schemaType(s);
  if (t === 'string') {
    if (typeof s.maxLength === 'number') return 'b'.repeat(s.maxLength + 1);
    if (typeof s.minLength === 'number' && s.minLength > 0) return 'b'.repeat(s.minLength - 1);
    return '';
  }
  if (t === 'integer' || t === 'number') {
    if (typeof s.maximum === 'number') return s.maximum + 1;
    if (typeof s.minimum === 'number') return s.minimum - 1;
    return Number.MAX_SAFE_INTEGER + 2;
  }
  if (t === 'array')
    return Array.from({ length: (typeof s.maxItems === 'number' ? s.maxItems : 1000) + 1 }, () => null);
  return null;
}

/** Values for one query or path parameter: valid ones, wrong types, boundaries and nasty strings. */
export function paramCaseArb(schema: JsonSchema): fc.Arbitrary<unknown> {
  return fc.oneof(validArb(schema), wrongTypeArb(schema), fc.constant(boundaryValue(schema)), nastyString);
}
