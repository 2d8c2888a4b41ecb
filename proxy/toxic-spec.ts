import { formatIssues } from '../common/index.ts';
import { ApiError, errors } from './api-error.ts';
import { attributeNames, toxicTypes } from './toxics/registry.ts';
import { integerProblem, typeProblem } from './go-json.ts';
import type { ToxicDefinition } from './toxics/toxic.ts';
import { lenientSilently, type Validation } from './validation.ts';

export type Stream = 'upstream' | 'downstream' | 'both';
export type Direction = 'upstream' | 'downstream';

/** A toxic as configured on a proxy (what the API shows), plus its type's definition. */
export interface ToxicSpec {
  name: string;
  type: string;
  /** The stream as the client spelled it ("UPSTREAM" stays "UPSTREAM", as in Toxiproxy's answers). */
  stream: string;
  /** Where it applies: the stream, lower-cased. */
  direction: Stream;
  toxicity: number;
  attributes: Record<string, number>;
  readonly definition: ToxicDefinition;
}

/** Toxiproxy's JSON for a toxic, in its field order. */
export function toxicJson(t: ToxicSpec): Record<string, unknown> {
  return { attributes: { ...t.attributes }, name: t.name, type: t.type, stream: t.stream, toxicity: t.toxicity };
}

export function appliesTo(t: ToxicSpec, direction: Direction): boolean {
  return t.direction === 'both' || t.direction === direction;
}

const streamOrder: Record<Stream, number> = { upstream: 0, downstream: 1, both: 2 };

/** Toxiproxy lists a proxy's upstream toxics first, then its downstream ones, each in the order added; "both" (an extension) last. */
export function listOrder(toxics: readonly ToxicSpec[]): ToxicSpec[] {
  return [...toxics].sort((a, b) => streamOrder[a.direction] - streamOrder[b.direction]);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go decodes JSON null into a field as "leave it as it was". */
const given = (v: unknown): boolean => v !== undefined && v !== null;

const withoutNulls = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));

/** `goStruct`: "ToxicWrapper" on create; Toxiproxy decodes an update into an unnamed struct (""). */
function parseToxicity(value: unknown, validation: Validation, where: string, goStruct = 'ToxicWrapper'): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw errors.badRequestBody.with(`${typeProblem(value, `${goStruct}.toxicity`, 'float32')}${where}`);
  if (value < 0 || value > 1) validation.concern(`toxicity: must be between 0 and 1 (got ${value})`, where);
  return value;
}

/**
 * Go refuses a string, a bool… or 100.0, 1e2 and numbers beyond int64 for an integer attribute, with its own
 * message (a 400); null leaves the attribute as it was.
 */
function checkGoIntegers(definition: ToxicDefinition, value: unknown, where: string): void {
  if (!isObject(value)) return;
  for (const key of attributeNames(definition)) {
    const field = `${definition.goStruct}.attributes.${key}`;
    const goType = definition.goIntType ?? 'int64';
    const v = value[key];
    const problem =
      given(v) && typeof v !== 'number' ? typeProblem(v, field, goType) : integerProblem(value, key, field, goType);
    if (problem) throw errors.badRequestBody.with(`${problem}${where}`);
  }
}

/** `known`: concerns already raised for these attributes (an update re-checks only what changed). */
function parseAttributes(
  definition: ToxicDefinition,
  value: unknown,
  validation: Validation,
  where: string,
  known: string[] = [],
): Record<string, number> {
  if (given(value) && !isObject(value)) throw errors.badRequestBody.with(`attributes${where}: must be an object`);
  const result = definition.attributes.safeParse(given(value) ? withoutNulls(value as Record<string, unknown>) : {});
  if (!result.success) {
    const issues = formatIssues(result.error).map((i) => `attributes.${i}`);
    throw errors.badRequestBody.with(`${issues.join('; ')}${where}`);
  }
  for (const concern of definition.concerns?.(result.data) ?? [])
    if (!known.includes(concern)) validation.concern(concern, where);
  return result.data;
}

export interface ParseToxicOptions {
  validation?: Validation;
  /** Whether a toxic of that name is already on the proxy: 409, answered before the attributes are read, as Toxiproxy does. */
  exists?: (name: string) => boolean;
  /** Suffix naming the place in a populate body (" at proxy 2"). */
  where?: string;
}

/** Validates a toxic body in the order Toxiproxy's AddToxicJson does: stream, default name, type, name taken, attributes. */
export function parseToxic(body: unknown, options: ParseToxicOptions = {}): ToxicSpec {
  const { validation = lenientSilently, exists, where = '' } = options;
  if (!isObject(body)) throw errors.badRequestBody.with(`expected a JSON object${where}`);
  for (const key of ['stream', 'type', 'name'] as const) {
    if (given(body[key]) && typeof body[key] !== 'string')
      throw errors.badRequestBody.with(`${typeProblem(body[key], `ToxicWrapper.${key}`, 'string')}${where}`);
  }
  const toxicity = given(body.toxicity) ? parseToxicity(body.toxicity, validation, where) : 1;
  const stream = given(body.stream) ? (body.stream as string) : 'downstream';
  const direction = stream.toLowerCase();
  if (direction !== 'upstream' && direction !== 'downstream' && direction !== 'both') {
    throw validation.strict ? errors.invalidStreamStrict : errors.invalidStream;
  }
  if (direction !== stream) validation.concern(`stream: must be lower case, "${direction}" (got "${stream}")`, where);
  const type = given(body.type) ? (body.type as string) : '';
  const name = given(body.name) && body.name !== '' ? (body.name as string) : `${type}_${stream}`;
  const definition = toxicTypes.get(type);
  if (!definition) throw errors.invalidToxicType;
  if (exists?.(name)) throw where ? errors.toxicAlreadyExists.with(`${name}${where}`) : errors.toxicAlreadyExists;
  checkGoIntegers(definition, body.attributes, where);
  const attributes = parseAttributes(definition, body.attributes, validation, where);
  return { name, type, stream, direction, toxicity, attributes, definition };
}

/** An update merges: attributes not given keep their value (Toxiproxy decodes onto a copy of the current toxic). */
export function parseToxicUpdate(
  current: ToxicSpec,
  body: unknown,
  validation: Validation = lenientSilently,
): { attributes: Record<string, number>; toxicity: number } {
  if (!isObject(body)) throw errors.badRequestBody.with('expected a JSON object');
  if (given(body.attributes) && !isObject(body.attributes))
    throw errors.badRequestBody.with('attributes: must be an object');
  checkGoIntegers(current.definition, body.attributes, '');
  const merged = {
    ...current.attributes,
    ...withoutNulls((body.attributes as Record<string, unknown> | null | undefined) ?? {}),
  };
  return {
    toxicity: given(body.toxicity) ? parseToxicity(body.toxicity, validation, '', '') : current.toxicity,
    attributes: parseAttributes(
      current.definition,
      merged,
      validation,
      '',
      current.definition.concerns?.(current.attributes),
    ),
  };
}

export { ApiError };
