import type { Severity } from '../../reports/index.ts';
import type { Exchange } from '../http.ts';

/**
 * What an exposed route gives away, read from its body: the severity of an
 * undocumented route follows its content, not its name.
 */
export interface Exposure {
  severity: Severity;
  what: string;
}

const SECRET_NAME = /(secret|passw(or)?d|pwd|token|api_?key|private_?key|credential|access_?key|dsn|database_url|jwt)/i;

/** Lines of KEY=VALUE, at least two, as a dotenv file has. */
function dotenv(body: string): Exposure | null {
  const lines = body.split('\n').filter((l) => /^\s*(export\s+)?[A-Z][A-Z0-9_]*\s*=\s*\S/.test(l));
  if (lines.length < 2) return null;
  const secrets = lines.filter((l) => SECRET_NAME.test(l.split('=')[0] ?? ''));
  return secrets.length > 0
    ? {
        severity: 'critical',
        what: `an environment file with ${secrets.length} secret-named variable(s) (${secrets
          .map((l) => l.split('=')[0]?.trim())
          .slice(0, 4)
          .join(', ')})`,
      }
    : { severity: 'high', what: `an environment file (${lines.length} variables)` };
}

function gitConfig(body: string): Exposure | null {
  if (!/^\s*\[core\]/m.test(body) || !/repositoryformatversion|bare\s*=/.test(body)) return null;
  const creds = /url\s*=\s*\w+:\/\/[^/\s:@]+:[^/\s@]+@/.test(body);
  return {
    severity: creds ? 'critical' : 'high',
    what: `a Git repository's config${creds ? ' with credentials in a remote URL' : ' (the repository, its history and source can be downloaded)'}`,
  };
}

function prometheus(body: string): Exposure | null {
  return /^# (HELP|TYPE) \w+/m.test(body)
    ? { severity: 'medium', what: 'Prometheus metrics (internal names, routes, versions, load)' }
    : null;
}

function springEnv(body: string): Exposure | null {
  return /"(propertySources|activeProfiles)"/.test(body)
    ? { severity: 'high', what: 'a Spring Boot actuator environment dump' }
    : null;
}

function secretsInJson(body: string): Exposure | null {
  let value: unknown;
  try {
    value = JSON.parse(body) as unknown;
  } catch {
    return null;
  }
  const keys: string[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 6 || !v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (SECRET_NAME.test(k) && typeof x === 'string' && x.length >= 6) keys.push(k);
      walk(x, depth + 1);
    }
  };
  walk(value, 0);
  return keys.length > 0
    ? { severity: 'high', what: `configuration with secret-named values (${keys.slice(0, 4).join(', ')})` }
    : null;
}

function phpinfo(body: string): Exposure | null {
  return /<title>phpinfo\(\)<\/title>|PHP Version \d/.test(body)
    ? { severity: 'medium', what: 'phpinfo() output' }
    : null;
}

function directoryListing(body: string): Exposure | null {
  return /<title>(Index of|Directory listing for) \//i.test(body)
    ? { severity: 'medium', what: 'a directory listing' }
    : null;
}

/** Classifies an exposed response by what it contains; null when it says nothing special. */
export function classifyExposure(ex: Exchange): Exposure | null {
  const body = ex.response?.body ?? '';
  for (const check of [gitConfig, dotenv, springEnv, prometheus, phpinfo, directoryListing, secretsInJson]) {
    const hit = check(body);
    if (hit) return hit;
  }
  return null;
}
