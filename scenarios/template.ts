import { randomUUID } from 'node:crypto';

/**
 * "{{name}}" templates for paths, headers and JSON bodies. Values come from a
 * context: captures of earlier steps ({{postId}}), the setup user
 * ({{user.accessToken}}), and per-request values: {{uuid}} (fresh each time,
 * e.g. for Idempotency-Key), {{vu}}, {{iter}}, {{rep}}, {{i}} (setup user
 * index), {{runId}}, {{now}} (epoch ms), {{rand}} (0..2^31).
 * Templates are compiled once so a static string costs nothing per request.
 */
export type TemplateContext = Record<string, unknown>;

type Part = string | { path: string[] };
export type Compiled = (ctx: TemplateContext) => unknown;

const generators: Record<string, () => unknown> = {
  uuid: () => randomUUID(),
  now: () => Date.now(),
  rand: () => Math.floor(Math.random() * 2 ** 31),
};

function splitPath(expr: string): string[] {
  return expr
    .trim()
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((p) => p.length > 0);
}

/** Reads "a.b[0].c" from an object; undefined when any part is missing. */
export function getPath(obj: unknown, path: string[] | string): unknown {
  const parts = typeof path === 'string' ? splitPath(path) : path;
  let cur: unknown = obj;
  for (const p of parts) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function lookup(ctx: TemplateContext, path: string[]): unknown {
  const head = path[0] as string;
  if (path.length === 1 && head in generators && !(head in ctx)) return (generators[head] as () => unknown)();
  return getPath(ctx, path);
}

export class TemplateValueMissingError extends Error {}

function compileString(text: string): Compiled {
  const parts: Part[] = [];
  const re = /\{\{\s*([^}]+?)\s*\}\}/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push({ path: splitPath(m[1] as string) });
    last = re.lastIndex;
  }
  if (last < text.length) parts.push(text.slice(last));
  if (parts.length === 0) return () => '';
  if (parts.every((p) => typeof p === 'string')) return () => text;
  const resolve = (p: { path: string[] }, ctx: TemplateContext) => {
    const v = lookup(ctx, p.path);
    if (v === undefined) throw new TemplateValueMissingError(`template value {{${p.path.join('.')}}} is not set`);
    return v;
  };
  // A string that is exactly one placeholder keeps the value's type (a number stays a number in a JSON body).
  if (parts.length === 1) {
    const only = parts[0] as { path: string[] };
    return (ctx) => resolve(only, ctx);
  }
  return (ctx) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : String(resolve(p, ctx));
    return out;
  };
}

/** Compiles any JSON-like value: every string inside becomes a template. */
export function compileTemplate(value: unknown): Compiled {
  if (typeof value === 'string') return compileString(value);
  if (Array.isArray(value)) {
    const items = value.map(compileTemplate);
    return (ctx) => items.map((f) => f(ctx));
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, compileTemplate(v)] as const);
    return (ctx) => {
      const out: Record<string, unknown> = {};
      for (const [k, f] of entries) out[k] = f(ctx);
      return out;
    };
  }
  return () => value;
}

/** Compiles a template that must render to a string (paths, headers). */
export function compileStringTemplate(text: string): (ctx: TemplateContext) => string {
  const f = compileString(text);
  return (ctx) => String(f(ctx));
}

/** Environment variables a suite may name as {{env.NAME}}: given by the caller (the CLI passes its start-up environment). */
export type TemplateEnv = Readonly<Record<string, string | undefined>>;

const ENV_PLACEHOLDER = /\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Replaces every {{env.NAME}} inside the strings of a JSON-like value with the
 * variable's value (k6's __ENV), once, when a suite is loaded; other
 * placeholders are left for the engine. Returns the new value and the names of
 * variables that are not set, each with the path where it is used.
 */
export function renderEnvTemplates(
  value: unknown,
  env: TemplateEnv,
  path = '',
): { value: unknown; missing: Array<{ name: string; path: string }> } {
  const missing: Array<{ name: string; path: string }> = [];
  const walk = (v: unknown, at: string): unknown => {
    if (typeof v === 'string') {
      return v.replace(ENV_PLACEHOLDER, (whole, name: string) => {
        const got = env[name];
        if (got === undefined) {
          missing.push({ name, path: at });
          return whole;
        }
        return got;
      });
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, `${at}[${i}]`));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, item]) => [k, walk(item, at ? `${at}.${k}` : k)]),
      );
    }
    return v;
  };
  return { value: walk(value, path), missing };
}
