import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError, deepFreeze, formatIssues } from '../common/index.ts';
import { unknownKeyMessage } from './nearest-key.ts';

/**
 * How the scanner gets two ordinary users on an API it does not know. The
 * defaults are SocialConnect's contract; any other API is scanned by writing
 * this file alone (YAML or JSON). Body templates may use {{email}},
 * {{password}}, {{handle}}, {{refreshToken}} and {{accessToken}}.
 */
const captureBase = z.strictObject({
  /** Variable name: usable as {{name}} in later bodies and paths. */
  name: z.string().regex(/^\w+$/),
  from: z.enum(['preStep', 'register', 'login']).default('login'),
  /** Where the value is: a JSON pointer into the body, or a response header / cookie name. */
  pointer: z.string().optional(),
  header: z.string().optional(),
  cookie: z.string().optional(),
  /** The value is the id of user A's own object at this item path (e.g. /rest/basket/{id}): BOLA probes try it as user B. */
  itemPath: z.string().startsWith('/').optional(),
});
const oneSource = (c: { pointer?: string | undefined; header?: string | undefined; cookie?: string | undefined }) =>
  [c.pointer, c.header, c.cookie].filter((v) => v !== undefined).length === 1;
const capture = captureBase.refine(oneSource, { message: 'give exactly one of pointer, header or cookie' });

const step = z.strictObject({
  method: z.string().default('POST'),
  path: z.string().startsWith('/'),
  body: z.record(z.string(), z.unknown()).default({}),
});

/** A request made before register and before each login (a CAPTCHA, a CSRF token); its captures feed the next steps. */
const preStep = step.extend({
  method: z.string().default('GET'),
  captures: z
    .array(
      captureBase
        .omit({ from: true, itemPath: true })
        .refine(oneSource, { message: 'give exactly one of pointer, header or cookie' }),
    )
    .default([]),
});

const tokenSource = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('body'), pointer: z.string().default('/accessToken') }),
  z.strictObject({ source: z.literal('header'), name: z.string() }),
  z.strictObject({ source: z.literal('cookie'), name: z.string() }),
  /** Cookie sessions: the cookies the login sets are the credential; no token to forge. */
  z.strictObject({ source: z.literal('none') }),
]);

const placement = z.strictObject({
  in: z.enum(['header', 'cookie', 'query']).default('header'),
  name: z.string().default('authorization'),
  prefix: z.string().default('Bearer '),
  /** Only on paths matching this regular expression (per-path placement: the API in a header, the pages in a cookie). */
  paths: z.string().optional(),
});

const suppliedUser = z
  .strictObject({
    email: z.string().optional(),
    password: z.string().optional(),
    token: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    cookies: z.record(z.string(), z.string()).optional(),
    /** The account's user id (fills {id} under usersCollection), when no login answer tells it. */
    id: z.string().optional(),
  })
  .refine((u) => (u.email !== undefined) === (u.password !== undefined), {
    message: 'give both email and password (an account to log in), or neither',
  })
  .refine((u) => u.email !== undefined || u.token !== undefined || u.headers !== undefined || u.cookies !== undefined, {
    message: 'give email and password, or a token, headers or cookies',
  });
export type SuppliedUser = z.output<typeof suppliedUser>;

const adminRule = z.strictObject({
  /** Methods the rule covers (all when absent): `PUT /products/{id}` admin-only while `GET` is public. */
  methods: z.array(z.string().transform((m) => m.toUpperCase())).optional(),
  /** Regular expression on the path template. */
  path: z.string(),
});

export const authConfigSchema = z.strictObject({
  openapiPath: z.string().startsWith('/').default('/openapi.json'),
  preSteps: z.array(preStep).default([]),
  /** How a scan user is registered; null when the API has no registration (then `users`, or an anonymous scan). */
  register: step
    .extend({ userIdPointer: z.string().default('/user/id') })
    .nullable()
    .default({
      method: 'POST',
      path: '/v1/auth/register',
      body: { email: '{{email}}', password: '{{password}}', handle: '{{handle}}' },
      userIdPointer: '/user/id',
    }),
  login: step
    .extend({
      token: tokenSource.default({ source: 'body', pointer: '/accessToken' }),
      refreshTokenPointer: z.string().nullable().default('/refreshToken'),
      /** Pointer to the user's id in the login response, when register does not return it. */
      userIdPointer: z.string().nullable().default(null),
    })
    .nullable()
    .default({
      method: 'POST',
      path: '/v1/auth/login',
      body: { email: '{{email}}', password: '{{password}}' },
      token: { source: 'body', pointer: '/accessToken' },
      refreshTokenPointer: '/refreshToken',
      userIdPointer: null,
    }),
  logout: step
    .nullable()
    .default({ method: 'POST', path: '/v1/auth/logout', body: { refreshToken: '{{refreshToken}}' } }),
  /**
   * Accounts the user supplies instead of registering: user A, user B, then more for the pool. Each is
   * an existing account logged in with `login` (email and password), or a ready session: a token sent as
   * sendToken says, and/or static headers and cookies. None: registration, else an anonymous scan.
   */
  users: z.array(suppliedUser).max(10).default([]),
  /** Where the token goes on each request: one placement or several (header and cookie). */
  sendToken: z
    .union([placement, z.array(placement).min(1)])
    .default({ in: 'header', name: 'authorization', prefix: 'Bearer ' })
    .transform((p) => (Array.isArray(p) ? p : [p])),
  /** Send back every cookie that register/login set (cookie sessions). */
  sendCookies: z.boolean().default(true),
  /** Values taken from register/login responses (a basket id, a CSRF token). */
  captures: z.array(capture).default([]),
  /** The caller's own profile: used for mass-assignment and token-after-logout checks. */
  mePath: z.string().startsWith('/').nullable().default('/v1/users/me'),
  /** Routes only an administrator may call (regular expression on the path template, all methods). */
  adminPathPattern: z.string().default('(^|/)admin(/|$)'),
  /** Method-aware admin routes, in addition to adminPathPattern. */
  adminRoutes: z.array(adminRule).default([]),
  /** An existing administrator (optional): BFLA findings then need the ordinary user to get what the admin gets. */
  admin: z.strictObject({ email: z.string(), password: z.string() }).nullable().default(null),
  /** Path templates whose objects are public by design (B reading them is not BOLA). */
  publicReadPaths: z.array(z.string()).default(['/v1/users/{id}']),
  /** The collection path whose ids are user ids (filled with user A's id). */
  usersCollection: z.string().nullable().default('/v1/users'),
  /** How a scan user deletes its own account at the end (leave no trace); null when the API offers none. */
  deleteAccount: step
    .extend({ method: z.string().default('DELETE') })
    .nullable()
    .default(null),
  emailDomain: z.string().default('example.test'),
  /** Password for the scan users; must satisfy the API's password policy. */
  password: z.string().default('Rampart-scan-pw-7431!'),
});
export type AuthConfig = z.output<typeof authConfigSchema>;

export function parseAuthConfig(value: unknown): AuthConfig {
  const raw = (value ?? {}) as Record<string, unknown>;
  // A cookie token without a sendToken goes back in the same cookie.
  const src = ((raw.login as Record<string, unknown> | undefined)?.token ?? {}) as Record<string, unknown>;
  const input =
    raw.sendToken === undefined && src.source === 'cookie' && typeof src.name === 'string'
      ? { ...raw, sendToken: { in: 'cookie', name: src.name, prefix: '' } }
      : raw;
  // Every object is strict: a misspelt key (sendTokens) is an error naming the nearest valid one, never ignored.
  const result = authConfigSchema.safeParse(input, { error: unknownKeyMessage });
  if (result.success && result.data.login === null && result.data.users.some((u) => u.email !== undefined)) {
    throw new InputError(
      'RAMPART_AUTH_CONFIG_INVALID',
      'auth config is invalid:\n  users: an account with email and password needs a login step, and login is null',
      {
        hint: 'give login (how the API logs in), or give each user a token, headers or cookies instead',
        details: { issues: ['users: login is null'] },
      },
    );
  }
  if (!result.success) {
    const lines = formatIssues(result.error);
    throw new InputError('RAMPART_AUTH_CONFIG_INVALID', `auth config is invalid:\n  ${lines.join('\n  ')}`, {
      hint: 'see docs/security.md, "Scanning another API"',
      details: { issues: lines },
    });
  }
  return deepFreeze(result.data);
}

export async function loadAuthConfig(file: string): Promise<AuthConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError('RAMPART_AUTH_CONFIG_UNREADABLE', `cannot read the auth config ${file}`, {
      cause: err,
      hint: 'check the path',
    });
  }
  let value: unknown;
  try {
    value = parseYaml(text) as unknown;
  } catch (err) {
    throw new InputError(
      'RAMPART_AUTH_CONFIG_INVALID',
      `the auth config ${file} is not valid YAML/JSON: ${(err as Error).message}`,
      { cause: err },
    );
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
