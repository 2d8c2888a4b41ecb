import { formatIssues } from '../../common/index.ts';
import { ApiError, errors } from './api-error.ts';
import { toxicTypes } from './toxics/registry.ts';
import type { ToxicDefinition } from './toxics/toxic.ts';

export type Stream = 'upstream' | 'downstream' | 'both';
export type Direction = 'upstream' | 'downstream';

/** A toxic as configured on a proxy (what the API shows), plus its type's definition. */
export interface ToxicSpec {
  name: string;
  type: string;
  stream: Stream;
  toxicity: number;
  attributes: Record<string, number>;
  readonly definition: ToxicDefinition;
}

/** Toxiproxy's JSON for a toxic, in its field order. */
export function toxicJson(t: ToxicSpec): Record<string, unknown> {
  return { attributes: { ...t.attributes }, name: t.name, type: t.type, stream: t.stream, toxicity: t.toxicity };
}

export function appliesTo(t: ToxicSpec, direction: Direction): boolean {
  return t.stream === 'both' || t.stream === direction;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseToxicity(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw errors.badRequestBody.with('toxicity: must be a number between 0 and 1');
  }
  return value;
}

function parseAttributes(definition: ToxicDefinition, value: unknown): Record<string, number> {
  if (value !== undefined && value !== null && !isObject(value)) throw errors.badRequestBody.with('attributes: must be an object');
  const result = definition.attributes.safeParse(value ?? {});
  if (!result.success) {
    const issues = formatIssues(result.error).map((i) => `attributes.${i}`);
    throw errors.badRequestBody.with(issues.join('; '));
  }
  return result.data;
}

/** Validates a toxic body as Toxiproxy's AddToxicJson does: defaults, stream, type, then attributes. */
export function parseToxic(body: unknown): ToxicSpec {
  if (!isObject(body)) throw errors.badRequestBody.with('expected a JSON object');
  const stream = body.stream ?? 'downstream';
  if (stream !== 'upstream' && stream !== 'downstream' && stream !== 'both') throw errors.invalidStream;
  const type = body.type;
  const definition = typeof type === 'string' ? toxicTypes.get(type) : undefined;
  if (typeof type !== 'string' || !definition) throw errors.invalidToxicType;
  if (body.name !== undefined && typeof body.name !== 'string') throw errors.badRequestBody.with('name: must be a string');
  const name = typeof body.name === 'string' && body.name !== '' ? body.name : `${type}_${stream}`;
  const toxicity = body.toxicity === undefined ? 1 : parseToxicity(body.toxicity);
  return { name, type, stream, toxicity, attributes: parseAttributes(definition, body.attributes), definition };
}

/** An update merges: attributes not given keep their value (Toxiproxy decodes onto a copy of the current toxic). */
export function parseToxicUpdate(current: ToxicSpec, body: unknown): { attributes: Record<string, number>; toxicity: number } {
  if (!isObject(body)) throw errors.badRequestBody.with('expected a JSON object');
  if (body.attributes !== undefined && body.attributes !== null && !isObject(body.attributes)) {
    throw errors.badRequestBody.with('attributes: must be an object');
  }
  const merged = { ...current.attributes, ...((body.attributes as Record<string, unknown> | undefined) ?? {}) };
  return {
    attributes: parseAttributes(current.definition, merged),
    toxicity: body.toxicity === undefined ? current.toxicity : parseToxicity(body.toxicity),
  };
}

export { ApiError };
