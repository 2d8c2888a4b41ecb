import { randomBytes } from 'node:crypto';
import { EnvironmentError } from '../common/index.ts';
import type { AuthConfig } from './auth-config.ts';
import { fillTemplate, getPointer } from './auth-config.ts';
import type { Exchange, ScanHttpClient } from './http.ts';
import { jsonBody, ok2xx } from './http.ts';

export interface ScanUser {
  label: string;
  email: string;
  password: string;
  handle: string;
  id: string | null;
  token: string;
  refreshToken: string | null;
  registerExchange: Exchange;
}

function tokenFrom(ex: Exchange, cfg: AuthConfig): string | undefined {
  const src = cfg.login.token;
  if (!ex.response) return undefined;
  if (src.source === 'body') {
    const v = getPointer(jsonBody(ex), src.pointer);
    return typeof v === 'string' ? v : undefined;
  }
  if (src.source === 'header') return ex.response.headers[src.name.toLowerCase()];
  const cookie = ex.response.headers['set-cookie'] ?? '';
  return new RegExp(`(?:^|[ ,;])${src.name}=([^;,]+)`).exec(cookie)?.[1];
}

export function varsFor(user: Pick<ScanUser, 'email' | 'password' | 'handle'> & { refreshToken?: string | null; token?: string }): Record<string, string> {
  return {
    email: user.email,
    password: user.password,
    handle: user.handle,
    ...(user.refreshToken ? { refreshToken: user.refreshToken } : {}),
    ...(user.token ? { accessToken: user.token } : {}),
  };
}

/** Headers (or query suffix) that present `token` the way the API expects. */
export function credentials(cfg: AuthConfig, token: string | null): { headers: Record<string, string>; query: string } {
  if (token === null) return { headers: {}, query: '' };
  const value = `${cfg.sendToken.prefix}${token}`;
  if (cfg.sendToken.in === 'header') return { headers: { [cfg.sendToken.name.toLowerCase()]: value }, query: '' };
  if (cfg.sendToken.in === 'cookie') return { headers: { cookie: `${cfg.sendToken.name}=${token}` }, query: '' };
  return { headers: {}, query: `${cfg.sendToken.name}=${encodeURIComponent(token)}` };
}

export async function login(client: ScanHttpClient, cfg: AuthConfig, user: Pick<ScanUser, 'email' | 'password' | 'handle' | 'label'>, extra: Record<string, unknown> = {}): Promise<{ ex: Exchange; token?: string; refreshToken?: string }> {
  const ex = await client.send({
    method: cfg.login.method, path: cfg.login.path, actor: user.label,
    json: { ...(fillTemplate(cfg.login.body, varsFor(user)) as object), ...extra },
  });
  const refresh = cfg.login.refreshTokenPointer ? getPointer(jsonBody(ex), cfg.login.refreshTokenPointer) : undefined;
  return { ex, token: ok2xx(ex) ? tokenFrom(ex, cfg) : undefined, refreshToken: typeof refresh === 'string' ? refresh : undefined };
}

/** Registers and logs in one scan user through the configured auth contract. */
export async function createUser(client: ScanHttpClient, cfg: AuthConfig, label: string, extraRegister: Record<string, unknown> = {}): Promise<ScanUser> {
  const unique = `${label.toLowerCase()}${randomBytes(5).toString('hex')}`;
  const base = { label, email: `rampart-${unique}@${cfg.emailDomain}`, password: cfg.password, handle: `rs_${unique}`.slice(0, 24) };
  const reg = await client.send({
    method: cfg.register.method, path: cfg.register.path, actor: label,
    json: { ...(fillTemplate(cfg.register.body, varsFor(base)) as object), ...extraRegister },
  });
  if (!ok2xx(reg)) {
    throw new EnvironmentError('RAMPART_SCAN_AUTH_FAILED', `could not register scan user ${label} with ${cfg.register.method} ${cfg.register.path}: ${reg.response?.status ?? reg.error} ${reg.response?.body.slice(0, 300) ?? ''}`, {
      hint: 'check the register step of --auth-config (path, body fields, password policy)',
    });
  }
  const id = getPointer(jsonBody(reg), cfg.register.userIdPointer);
  const li = await login(client, cfg, base);
  if (!li.token) {
    throw new EnvironmentError('RAMPART_SCAN_AUTH_FAILED', `could not log scan user ${label} in with ${cfg.login.method} ${cfg.login.path}: ${li.ex.response?.status ?? li.ex.error} ${li.ex.response?.body.slice(0, 300) ?? ''}`, {
      hint: 'check the login step of --auth-config (path, body fields, where the token is)',
    });
  }
  return { ...base, id: id === undefined || id === null ? null : String(id), token: li.token, refreshToken: li.refreshToken ?? null, registerExchange: reg };
}
