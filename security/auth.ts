import { randomBytes } from 'node:crypto';
import { EnvironmentError, InputError } from '../common/index.ts';
import { redactBody, redactText } from './redact.ts';
import type { AuthConfig } from './auth-config.ts';
import { fillTemplate, getPointer } from './auth-config.ts';
import type { Exchange, ScanHttpClient } from './http.ts';
import { cookiesSet, jsonBody, ok2xx } from './http.ts';

export interface ScanUser {
  label: string;
  email: string;
  password: string;
  handle: string;
  id: string | null;
  /** The access token ('' for cookie sessions, where the cookies are the credential). */
  token: string;
  refreshToken: string | null;
  /** Cookies register/login set, sent back when sendCookies is on. */
  cookies: Record<string, string>;
  /** Captured values ({{name}} in templates). */
  vars: Record<string, string>;
  /** Static headers of a supplied session (an API key), sent with every request as this user. */
  headers?: Record<string, string>;
  /** The register answer (registered users; a supplied account has its login answer here, a static session none). */
  registerExchange?: Exchange;
  loginExchange?: Exchange;
}

/** What a request presents: a token (real or forged) and cookies. */
export interface Session {
  token: string | null;
  cookies: Record<string, string>;
  headers?: Record<string, string>;
}

function tokenFrom(ex: Exchange, cfg: AuthConfig): string | undefined {
  const src = cfg.login?.token;
  if (!ex.response || !src) return undefined;
  if (src.source === 'none') return '';
  if (src.source === 'body') {
    const v = getPointer(jsonBody(ex), src.pointer);
    return typeof v === 'string' ? v : undefined;
  }
  if (src.source === 'header') return ex.response.headers[src.name.toLowerCase()];
  return cookiesSet(ex)[src.name];
}

/** A captured value from a response: JSON pointer, header or cookie. */
export function captureFrom(
  ex: Exchange,
  c: { pointer?: string | undefined; header?: string | undefined; cookie?: string | undefined },
): string | undefined {
  if (!ex.response) return undefined;
  if (c.header) return ex.response.headers[c.header.toLowerCase()];
  if (c.cookie) return cookiesSet(ex)[c.cookie];
  const v = getPointer(jsonBody(ex), c.pointer ?? '');
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

export function varsFor(
  user: Pick<ScanUser, 'email' | 'password' | 'handle'> & {
    refreshToken?: string | null;
    token?: string;
    vars?: Record<string, string>;
  },
): Record<string, string> {
  return {
    ...user.vars,
    email: user.email,
    password: user.password,
    handle: user.handle,
    ...(user.refreshToken ? { refreshToken: user.refreshToken } : {}),
    ...(user.token ? { accessToken: user.token } : {}),
  };
}

/** Headers (and query suffix) that present a session the way the API expects. */
export function credentials(
  cfg: AuthConfig,
  session: Session | null,
  path = '/',
): { headers: Record<string, string>; query: string } {
  if (session === null) return { headers: {}, query: '' };
  const headers: Record<string, string> = {};
  const query: string[] = [];
  const jar: Record<string, string> = cfg.sendCookies ? { ...session.cookies } : {};
  if (session.token) {
    for (const p of cfg.sendToken.filter(
      (x) => x.paths === undefined || new RegExp(x.paths).test(path.split('?')[0] ?? path),
    )) {
      if (p.in === 'header') headers[p.name.toLowerCase()] = `${p.prefix}${session.token}`;
      else if (p.in === 'cookie') jar[p.name] = session.token;
      else query.push(`${p.name}=${encodeURIComponent(session.token)}`);
    }
  }
  const cookie = Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
  if (cookie) headers.cookie = cookie;
  for (const [k, v] of Object.entries(session.headers ?? {})) headers[k.toLowerCase()] = v;
  return { headers, query: query.join('&') };
}

/** Runs the pre-steps (CAPTCHA, CSRF token) and returns what they captured. */
async function preSteps(
  client: ScanHttpClient,
  cfg: AuthConfig,
  label: string,
  vars: Record<string, string>,
): Promise<{ vars: Record<string, string>; cookies: Record<string, string> }> {
  const out = { ...vars };
  let cookies: Record<string, string> = {};
  for (const s of cfg.preSteps) {
    const ex = await client.send({
      method: s.method,
      path: fillTemplate(s.path, out) as string,
      actor: label,
      ...(s.method === 'GET' ? {} : { json: fillTemplate(s.body, out) }),
      headers: cookieHeader(cookies),
    });
    cookies = { ...cookies, ...cookiesSet(ex) };
    for (const c of s.captures) {
      const v = captureFrom(ex, c);
      if (v !== undefined) out[c.name] = v;
    }
  }
  return { vars: out, cookies };
}

function cookieHeader(cookies: Record<string, string>): Record<string, string> {
  const c = Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
  return c ? { cookie: c } : {};
}

export async function login(
  client: ScanHttpClient,
  cfg: AuthConfig,
  user: Pick<ScanUser, 'email' | 'password' | 'handle' | 'label'> & { vars?: Record<string, string> },
  extra: Record<string, unknown> = {},
): Promise<{
  ex: Exchange;
  token?: string;
  refreshToken?: string;
  cookies: Record<string, string>;
  vars: Record<string, string>;
}> {
  if (!cfg.login)
    throw new InputError(
      'RAMPART_AUTH_CONFIG_INVALID',
      `cannot log ${user.label} in: login is null in the auth config`,
      { hint: 'give login in --auth-config' },
    );
  const pre = await preSteps(client, cfg, user.label, user.vars ?? {});
  const ex = await client.send({
    method: cfg.login.method,
    path: cfg.login.path,
    actor: user.label,
    headers: cookieHeader(pre.cookies),
    json: { ...(fillTemplate(cfg.login.body, varsFor({ ...user, vars: pre.vars })) as object), ...extra },
  });
  const refresh = cfg.login.refreshTokenPointer ? getPointer(jsonBody(ex), cfg.login.refreshTokenPointer) : undefined;
  const vars = { ...pre.vars };
  for (const c of cfg.captures.filter((x) => x.from === 'login')) {
    const v = captureFrom(ex, c);
    if (v !== undefined) vars[c.name] = v;
  }
  const cookies = { ...pre.cookies, ...cookiesSet(ex) };
  const token = ok2xx(ex) ? tokenFrom(ex, cfg) : undefined;
  return {
    ex,
    ...(token !== undefined ? { token } : {}),
    ...(typeof refresh === 'string' ? { refreshToken: refresh } : {}),
    cookies,
    vars,
  };
}

/** Logs an existing account in (the optional administrator). */
export async function loginExisting(
  client: ScanHttpClient,
  cfg: AuthConfig,
  label: string,
  email: string,
  password: string,
): Promise<ScanUser> {
  const li = await login(client, cfg, { label, email, password, handle: label });
  if (li.token === undefined) {
    throw new EnvironmentError(
      'RAMPART_SCAN_AUTH_FAILED',
      `could not log ${label} in as ${email}: ${li.ex.response?.status ?? li.ex.error}`,
      { hint: 'check the admin credentials in --auth-config' },
    );
  }
  const id = cfg.login?.userIdPointer ? getPointer(jsonBody(li.ex), cfg.login.userIdPointer) : undefined;
  return {
    label,
    email,
    password,
    handle: label,
    id: id === undefined || id === null ? null : String(id),
    token: li.token,
    refreshToken: li.refreshToken ?? null,
    cookies: li.cookies,
    vars: li.vars,
    registerExchange: li.ex,
    loginExchange: li.ex,
  };
}

/** Registers and logs in one scan user through the configured auth contract. */
export async function createUser(
  client: ScanHttpClient,
  cfg: AuthConfig,
  label: string,
  extraRegister: Record<string, unknown> = {},
): Promise<ScanUser> {
  if (!cfg.register || !cfg.login)
    throw new InputError(
      'RAMPART_AUTH_CONFIG_INVALID',
      `cannot register scan user ${label}: ${cfg.register ? 'login' : 'register'} is null in the auth config`,
      { hint: 'give register and login in --auth-config, or users' },
    );
  const unique = `${label.toLowerCase()}${randomBytes(5).toString('hex')}`;
  const base = {
    label,
    email: `rampart-${unique}@${cfg.emailDomain}`,
    password: cfg.password,
    handle: `rs_${unique}`.slice(0, 24),
  };
  const pre = await preSteps(client, cfg, label, {});
  const reg = await client.send({
    method: cfg.register.method,
    path: cfg.register.path,
    actor: label,
    headers: cookieHeader(pre.cookies),
    json: { ...(fillTemplate(cfg.register.body, varsFor({ ...base, vars: pre.vars })) as object), ...extraRegister },
  });
  if (!ok2xx(reg)) {
    throw new EnvironmentError(
      'RAMPART_SCAN_AUTH_FAILED',
      `could not register scan user ${label} with ${cfg.register.method} ${cfg.register.path}: ${reg.response?.status ?? reg.error} ${redactText(redactBody(reg.response?.body.slice(0, 2000)) ?? '', [base.password]).slice(0, 300)}`,
      {
        hint: 'check the register step of --auth-config (path, body fields, password policy, preSteps)',
        details: { step: 'register' },
      },
    );
  }
  const vars: Record<string, string> = {};
  for (const c of cfg.captures.filter((x) => x.from === 'register')) {
    const v = captureFrom(reg, c);
    if (v !== undefined) vars[c.name] = v;
  }
  const li = await login(client, cfg, { ...base, vars });
  if (li.token === undefined) {
    throw new EnvironmentError(
      'RAMPART_SCAN_AUTH_FAILED',
      `could not log scan user ${label} in with ${cfg.login.method} ${cfg.login.path}: ${li.ex.response?.status ?? li.ex.error} ${redactText(redactBody(li.ex.response?.body.slice(0, 2000)) ?? '', [base.password]).slice(0, 300)}`,
      {
        hint: 'check the login step of --auth-config (path, body fields, where the token is)',
      },
    );
  }
  const id =
    getPointer(jsonBody(reg), cfg.register.userIdPointer) ??
    (cfg.login.userIdPointer ? getPointer(jsonBody(li.ex), cfg.login.userIdPointer) : undefined);
  return {
    ...base,
    id: id === undefined || id === null ? null : String(id),
    token: li.token,
    refreshToken: li.refreshToken ?? null,
    cookies: { ...cookiesSet(reg), ...li.cookies },
    vars: { ...vars, ...li.vars },
    registerExchange: reg,
    loginExchange: li.ex,
  };
}

export function sessionOf(user: ScanUser): Session {
  return { token: user.token || null, cookies: user.cookies, ...(user.headers ? { headers: user.headers } : {}) };
}

/** A session the user supplied in the auth config (a token, static headers, cookies): used as it is. */
export function staticUser(
  label: string,
  u: {
    token?: string | undefined;
    headers?: Record<string, string> | undefined;
    cookies?: Record<string, string> | undefined;
    id?: string | undefined;
  },
): ScanUser {
  return {
    label,
    email: '',
    password: '',
    handle: label,
    id: u.id ?? null,
    token: u.token ?? '',
    refreshToken: null,
    cookies: { ...u.cookies },
    vars: {},
    ...(u.headers ? { headers: { ...u.headers } } : {}),
  };
}

/** No account at all: requests as this user carry no credential. */
export function anonymousUser(): ScanUser {
  return staticUser('anonymous', {});
}
