import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import { errors } from './api-error.ts';
import { firstValueEnd, GoSyntaxError } from './go-json-scan.ts';

/**
 * Request bodies decoded as Toxiproxy's Go server decodes them
 * (json.NewDecoder(body).Decode(&v)):
 * - only the first JSON value is read; whatever follows it is ignored;
 * - object keys match struct fields whatever their case ("Name", "LISTEN"),
 *   the last of several spellings winning, as encoding/json's folded match;
 * - a number keeps its spelling, so an integer field can refuse 100.0 and
 *   1e2 as Go does (see integerProblem).
 *
 * Keys are folded to the field names Toxiproxy knows (all lower case); other
 * keys are kept as written, and ignored later as Go ignores unknown fields.
 */
export function decodeGoJson(text: string, fieldNames: ReadonlySet<string>): unknown {
  let end: number;
  try {
    end = firstValueEnd(text);
  } catch (err) {
    if (err instanceof GoSyntaxError) throw errors.badRequestBody.with(err.message);
    throw err;
  }
  // Go's scanner found one well-formed value; jsonc-parser builds it, keeping each number's spelling.
  const value = text.slice(0, end);
  const problems: ParseError[] = [];
  const tree = parseTree(value, problems, {
    disallowComments: true,
    allowTrailingComma: false,
    allowEmptyContent: false,
  });
  if (!tree || problems.length > 0) throw errors.badRequestBody.with('unexpected EOF');
  return toValue(tree, value, fieldNames);
}

/** A number's spelling in the body, by the object holding it and its (folded) key. */
const spellings = new WeakMap<object, Map<string, string>>();

function toValue(node: Node, text: string, fieldNames: ReadonlySet<string>): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const spelled = new Map<string, string>();
      for (const property of node.children ?? []) {
        const [keyNode, valueNode] = property.children ?? [];
        if (!keyNode || !valueNode) continue;
        const key = foldKey(String(keyNode.value), fieldNames);
        out[key] = toValue(valueNode, text, fieldNames);
        if (valueNode.type === 'number')
          spelled.set(key, text.slice(valueNode.offset, valueNode.offset + valueNode.length));
        else spelled.delete(key);
      }
      if (spelled.size > 0) spellings.set(out, spelled);
      return out;
    }
    case 'array':
      return (node.children ?? []).map((c) => toValue(c, text, fieldNames));
    default:
      return node.value;
  }
}

/** encoding/json's case-insensitive match (with its Unicode folding: "ſ" is "s", the Kelvin sign "k"). */
function foldKey(key: string, fieldNames: ReadonlySet<string>): string {
  if (fieldNames.has(key)) return key;
  const folded = key.toUpperCase().toLowerCase();
  return fieldNames.has(folded) ? folded : key;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Go's error for a number that does not fit an integer field (a fraction or
 * exponent in its spelling, or out of int64's range), or undefined when it
 * fits or was not a number read from a body.
 */
export function integerProblem(holder: object, key: string, goField: string, goType: string): string | undefined {
  const spelling = spellings.get(holder)?.get(key);
  if (spelling === undefined) return undefined;
  const fits = /^-?\d+$/.test(spelling) && BigInt(spelling) >= INT64_MIN && BigInt(spelling) <= INT64_MAX;
  return fits
    ? undefined
    : `json: cannot unmarshal number ${spelling} into Go struct field ${goField} of type ${goType}`;
}

/** The JSON kind Go names in a type error ("number", "string", "bool", "array", "object"). */
function jsonKind(value: unknown): string {
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** Go's error for a value of the wrong JSON kind: `json: cannot unmarshal string into Go struct field Proxy.enabled of type bool`. */
export function typeProblem(value: unknown, goField: string, goType: string): string {
  return `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${goField} of type ${goType}`;
}
