import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError, deepFreeze, parseOrThrow } from '../common/index.ts';

/**
 * How the scanner gets two ordinary users on an API it does not know. The
 * defaults are SocialConnect's contract; any other API is scanned by writing
 * this file alone (YAML or JSON). Body templates may use {{email}},
 * {{password}}, {{handle}}, {{refreshToken}} and {{accessToken}}.
 */
const step = z.object({
  method: z.string().default('POST'),
  path: z.string().startsWith('/'),
  body: z.record(z.string(), z.unknown()).default({}),
});

const tokenSource = z.discriminatedUnion('source', [
  z.object({ source: z.literal('body'), pointer: z.string().default('/accessToken') }),
  z.object({ source: z.literal('header'), name: z.string() }),
  z.object({ source: z.literal('cookie'), name: z.string() }),
]);

export const authConfigSchema = z.object({
  openapiPath: z.string().startsWith('/').default('/openapi.json'),
  register: step.extend({ userIdPointer: z.string().default('/user/id') }).default({
    method: 'POST', path: '/v1/auth/register', body: { email: '{{email}}', password: '{{password}}', handle: '{{handle}}' }, userIdPointer: '/user/id',
  }),
  login: step.extend({
    token: tokenSource.default({ source: 'body', pointer: '/accessToken' }),
    refreshTokenPointer: z.string().nullable().default('/refreshToken'),
  }).default({
    method: 'POST', path: '/v1/auth/login', body: { email: '{{email}}', password: '{{password}}' },
    token: { source: 'body', pointer: '/accessToken' }, refreshTokenPointer: '/refreshToken',
  }),
  logout: step.nullable().default({ method: 'POST', path: '/v1/auth/logout', body: { refreshToken: '{{refreshToken}}' } }),
  /** Where the token goes on each request. */
  sendToken: z.object({
    in: z.enum(['header', 'cookie', 'query']).default('header'),
    name: z.string().default('authorization'),
    prefix: z.string().default('Bearer '),
  }).default({ in: 'header', name: 'authorization', prefix: 'Bearer ' }),
  /** The caller's own profile: used for mass-assignment and token-after-logout checks. */
  mePath: z.string().startsWith('/').nullable().default('/v1/users/me'),
  /** Routes only an administrator may call (regular expression on the path template). */
  adminPathPattern: z.string().default('(^|/)admin(/|$)'),
  /** Path templates whose objects are public by design (B reading them is not BOLA). */
  publicReadPaths: z.array(z.string()).default(['/v1/users/{id}']),
  /** The collection path whose ids are user ids (filled with user A's id). */
  usersCollection: z.string().nullable().default('/v1/users'),
  emailDomain: z.string().default('example.test'),
  /** Password for the scan users; must satisfy the API's password policy. */
  password: z.string().default('Rampart-scan-pw-7431!'),
});
export type AuthConfig = z.output<typeof authConfigSchema>;

export function parseAuthConfig(value: unknown): AuthConfig {
  return deepFreeze(parseOrThrow(authConfigSchema, value ?? {}, {
    code: 'RAMPART_AUTH_CONFIG_INVALID',
    what: 'auth config',
    hint: 'see docs/security.md, "Scanning another API"',
  }));
}

export async function loadAuthConfig(file: string): Promise<AuthConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError('RAMPART_AUTH_CONFIG_UNREADABLE', `cannot read --auth-config ${file}`, { cause: err, hint: 'check the path' });
  }
  let value: unknown;
  try {
    value = parseYaml(text) as unknown;
  } catch (err) {
    throw new InputError('RAMPART_AUTH_CONFIG_INVALID', `--auth-config ${file} is not valid YAML/JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseAuthConfig(value);
}

/** Replaces {{name}} placeholders in a JSON template. */
export function fillTemplate(template: unknown, vars: Record<string, string>): unknown {
  if (typeof template === 'string') {
    const whole = /^\{\{(\w+)\}\}$/.exec(template);
    if (whole) return vars[whole[1] ?? ''] ?? template;
    return template.replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m);
  }
  if (Array.isArray(template)) return template.map((t) => fillTemplate(t, vars));
  if (template && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillTemplate(v, vars)]));
  }
  return template;
}

/** RFC 6901 JSON pointer lookup. */
export function getPointer(value: unknown, pointer: string): unknown {
  if (pointer === '' || pointer === '/') return value;
  let cur = value;
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
