import type { Exchange } from './http.ts';

/**
 * Judging by content, not by status: what a response actually carries.
 * A 200 proves nothing on its own (a single-page app answers 200 to every
 * path; an endpoint may answer `200 {"user":{}}` to anyone); a probe
 * "succeeds" only when its body carries what the protected baseline carried.
 */

/** Leaf values of a JSON body as "path=value" (array indexes dropped), meaningful ones only. */
export function leaves(value: unknown, prefix = '', out = new Set<string>(), depth = 0): Set<string> {
  if (depth > 10 || out.size > 2000) return out;
  if (Array.isArray(value)) {
    for (const v of value.slice(0, 50)) leaves(v, `${prefix}[]`, out, depth + 1);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix ? `${prefix}.${k}` : k, out, depth + 1);
  } else if (typeof value === 'string' && value.length >= 3) {
    out.add(`${prefix}=${value}`);
  } else if (typeof value === 'number' && Math.abs(value) > 1) {
    out.add(`${prefix}=${value}`);
  }
  return out;
}

function words(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9@._-]+/)
      .filter((w) => w.length >= 3)
      .slice(0, 5000),
  );
}

/** Share of `base`'s content found again in `other` (0..1); JSON compares leaves, text compares words. */
export function overlap(base: string, other: string): number {
  if (base === other) return base.trim() === '' ? 0 : 1;
  let a: unknown;
  let b: unknown;
  try {
    a = JSON.parse(base) as unknown;
    b = JSON.parse(other) as unknown;
  } catch {
    a = undefined;
  }
  return a !== undefined ? shareFound(leaves(a), leaves(b)) : shareFound(words(base), words(other));
}

/** Share of `base`'s items also in `other` (0 when base is empty). */
function shareFound(base: ReadonlySet<string>, other: ReadonlySet<string>): number {
  if (base.size === 0) return 0;
  let hit = 0;
  for (const x of base) if (other.has(x)) hit += 1;
  return hit / base.size;
}

/** Bodies alike enough to be the same page (a catch-all), ignoring the echoed path and numbers. */
export function samePage(x: string, y: string, echoes: string[] = []): boolean {
  const norm = (s: string) => echoes.reduce((acc, e) => acc.split(e).join(''), s).replace(/\d+/g, '0');
  const nx = norm(x);
  const ny = norm(y);
  if (nx === ny) return true;
  const short = Math.min(nx.length, ny.length);
  const long = Math.max(nx.length, ny.length);
  return long > 0 && short / long > 0.9 && overlap(nx, ny) > 0.95 && overlap(ny, nx) > 0.95;
}

export interface CatchAll {
  /** The page every made-up path gets (status 2xx), or null when made-up paths are refused. */
  body: string | null;
  status: number | null;
  contentType: string;
}

/** Does this response carry the catch-all page rather than a route of its own? */
export function isCatchAllPage(catchAll: CatchAll | null, ex: Exchange): boolean {
  if (!catchAll?.body || !ex.response) return false;
  const path = new URL(ex.request.url).pathname;
  return samePage(catchAll.body, ex.response.body, [path, path.replace(/^\//, '')]);
}

export interface RevealJudgement {
  revealed: boolean;
  score: number;
  why: string;
}

/**
 * Did `probe` return the protected content that `baseline` (the same request,
 * properly authenticated) returned? 2xx alone is not enough: the body must
 * carry at least half of the baseline's values, and must not be the catch-all page.
 */
export function revealsProtected(
  baseline: Exchange | null,
  probe: Exchange,
  catchAll: CatchAll | null,
): RevealJudgement {
  const status = probe.response?.status ?? 0;
  if (status < 200 || status > 299) return { revealed: false, score: 0, why: `answered ${status || probe.error}` };
  if (isCatchAllPage(catchAll, probe)) return { revealed: false, score: 0, why: 'answered the catch-all page' };
  if (!baseline?.response || baseline.response.status < 200 || baseline.response.status > 299) {
    return { revealed: false, score: 0, why: 'no authenticated baseline to compare with' };
  }
  const body = probe.response?.body ?? '';
  if (baseline.response.body.trim() === '') return { revealed: body.trim() === '', score: 1, why: 'both empty 2xx' };
  const score = overlap(baseline.response.body, body);
  return {
    revealed: score >= 0.5,
    score,
    why: `${Math.round(score * 100)} % of the authenticated response's values came back`,
  };
}

/** A JSON body's distinctive values (ids, emails), to tell whose content a response carries. */
export function carriesAny(ex: Exchange, values: (string | null | undefined)[]): boolean {
  const body = ex.response?.body ?? '';
  return values.some((v) => typeof v === 'string' && v.length >= 3 && body.includes(v));
}
