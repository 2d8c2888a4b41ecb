import { randomBytes } from 'node:crypto';
import { isCatchAllPage, samePage } from '../content.ts';
import type { CatchAll } from '../content.ts';
import type { Exchange, ScanHttpClient } from '../http.ts';
import type { Observed } from './doc-builder.ts';
import { templatePath } from './doc-builder.ts';

// A template literal may start with a variable (`${this.host}/rest/…`, `${environment.api}/v1/…`): the base is skipped.
const HOST_VAR = '(?:\\$\\{[^}`]{1,60}\\})?';
const API_LITERAL = new RegExp(
  `["'\`]${HOST_VAR}((?:https?:\\/\\/[^"'\`\\s/]+)?\\/(?:api|rest|v\\d+|graphql|auth|admin|users?|account)\\b[^"'\`\\s<>]*)["'\`]`,
  'gi',
);
const CALL = new RegExp(
  `\\.(get|post|put|patch|delete)\\s*\\(\\s*[^;()]{0,120}?["'\`]${HOST_VAR}((?:https?:\\/\\/[^"'\`\\s/]+)?\\/[\\w\\-./{}$:]+)["'\`]`,
  'gi',
);
/** Scripts a script loads later (lazy chunks: `import("./chunk-a1b2.js")`, a bundler's chunk file names). */
const CHUNK = /["'`]((?:\.{0,2}\/)?[\w./-]*[\w-]+\.m?js)["'`]/g;
const LINKS = /(?:href|src|action)\s*=\s*["']([^"'#]+)["']/gi;
const MAX_SCRIPTS = 20;

function sameOriginPath(raw: string, base: URL): string | null {
  try {
    const url = new URL(raw.replace(/\$\{[^}]*\}/g, '1'), base);
    if (url.origin !== base.origin) return null;
    return `${url.pathname}${url.search}`;
  } catch {
    return null;
  }
}

export interface PageDiscovery {
  observed: Observed[];
  scripts: number;
  /** The writes found and kept unverified ("POST /rest/web3/submitKey", templated paths). */
  unverified: string[];
  /** What made-up paths under a prefix answered, where that was not a plain 404/405 (the prefix's own catch-all). */
  prefixCatchAlls: Exchange[];
}

/**
 * Without a document or a recording: reads the app's page, its links and its
 * scripts (same origin, at most 20), and keeps the string literals that look
 * like API paths, with the method when the call site says it (`http.post("/api/…")`).
 * Every GET found is asked once: a route that answers 404 or the catch-all page is dropped. A write found
 * (POST/PUT/PATCH/DELETE) is never sent: it is kept, unverified.
 */
export async function discoverFromPage(
  client: ScanHttpClient,
  catchAll: CatchAll | null,
  progress: (l: string) => void,
): Promise<PageDiscovery> {
  const base = client.base;
  const page = await client.send({
    method: 'GET',
    path: '/',
    headers: { accept: 'text/html' },
    maxBody: 4 * 1024 * 1024,
  });
  const html = page.response?.body ?? '';
  const found = new Map<string, Observed>();
  const add = (method: string, raw: string) => {
    const p = sameOriginPath(raw, base);
    if (!p || /\.(js|mjs|css|png|jpe?g|gif|svg|ico|woff2?|ttf|map|html?)(\?|$)/i.test(p)) return;
    const [path = '/', qs = ''] = p.split('?');
    if (path === '/') return;
    const key = `${method} ${templatePath(path)}`;
    if (!found.has(key)) found.set(key, { method, path, query: [...new URLSearchParams(qs).keys()] });
  };
  const scripts: string[] = [];
  for (const m of html.matchAll(LINKS)) {
    const raw = m[1] ?? '';
    if (/\.m?js(\?|$)/.test(raw)) scripts.push(raw);
    else add('GET', raw);
  }
  const texts = [html];
  // Breadth first: the page's scripts, then the chunks they load lazily, at most MAX_SCRIPTS in all.
  const queue = scripts.map((src) => ({ src, from: base }));
  const seen = new Set<string>();
  while (queue.length > 0 && seen.size < MAX_SCRIPTS) {
    const { src, from } = queue.shift() as { src: string; from: URL };
    const p = sameOriginPath(src, from);
    if (!p || seen.has(p)) continue;
    seen.add(p);
    const js = await client.send({ method: 'GET', path: p, maxBody: 8 * 1024 * 1024 });
    if (js.response?.status !== 200 || isCatchAllPage(catchAll, js)) continue;
    texts.push(js.response.body);
    for (const m of js.response.body.matchAll(CHUNK)) queue.push({ src: m[1] ?? '', from: new URL(p, base) });
  }
  progress(`scan: discovery read the app page and ${texts.length - 1} script(s)`);
  for (const text of texts) {
    for (const m of text.matchAll(CALL)) add((m[1] ?? 'get').toUpperCase(), m[2] ?? '');
    for (const m of text.matchAll(API_LITERAL)) add('GET', m[1] ?? '');
  }
  const observed: Observed[] = [];
  const unverified: string[] = [];
  const madeUp = prefixCatchAlls(client);
  for (const o of found.values()) {
    const templated = templatePath(o.path) !== o.path || o.path.includes('{');
    const concrete = templatePath(o.path).replace(/\{[^}]+\}/g, 'rampart-id');
    if (o.method !== 'GET') {
      // Never sent: discovery runs before the scan knows --read-only and outside its write guard, and no safe request
      // tells a write route from a prefix's catch-all (OPTIONS reaches the same catch-all). Kept, unverified: the
      // probes that write later go through the guard and honour --read-only. Its prefix's catch-all is learnt by GET:
      // a finding on it whose answer is that catch-all is not kept (FindingSink.ignoreNoRoute).
      await madeUp(o.path);
      observed.push(o);
      unverified.push(`${o.method} ${templatePath(o.path)}`);
      continue;
    }
    if (templated) {
      // A made-up id: a real route answers it (often 404); the catch-all page (or the prefix's catch-all) means the route is made up too.
      const ex = await client.send({ method: 'GET', path: concrete });
      const theirs = await madeUp(o.path);
      if (ex.response && (isCatchAllPage(catchAll, ex) || (theirs !== null && sameAnswer(theirs, ex)))) continue;
      observed.push(o);
      continue;
    }
    // Does it exist? A 404/405, the catch-all page or the prefix's own catch-all answer means no such route.
    const ex = await client.send({ method: 'GET', path: o.path });
    const status = ex.response?.status ?? 0;
    if (status === 404 || status === 405 || status === 0 || isCatchAllPage(catchAll, ex)) continue;
    const theirs = await madeUp(o.path);
    if (theirs !== null && sameAnswer(theirs, ex)) continue;
    observed.push({ ...o, status, responseJson: /json/.test(ex.response?.headers['content-type'] ?? '') });
  }
  return { observed, scripts: texts.length - 1, unverified, prefixCatchAlls: madeUp.answers() };
}

/**
 * What a made-up path under an operation's first segment answers to GET (`GET /rest/rampart-made-up-…`), asked once
 * per prefix; null when that is the framework's ordinary 404/405 (nothing to tell apart). An API that answers unknown
 * paths under its prefix with an error of its own (`500 Unexpected path: /rest/…`) would otherwise make every GET
 * discovery guessed look real. Only GET: discovery sends nothing that could change the target.
 */
function prefixCatchAlls(
  client: ScanHttpClient,
): ((path: string) => Promise<Exchange | null>) & { answers: () => Exchange[] } {
  const cache = new Map<string, Exchange | null>();
  const tag = randomBytes(4).toString('hex');
  const ask = async (path: string) => {
    const prefix = prefixOf(path);
    if (!cache.has(prefix)) {
      const ex = await client.send({ method: 'GET', path: `${prefix}/rampart-made-up-${tag}` });
      cache.set(prefix, ex.response && ![404, 405].includes(ex.response.status) ? ex : null);
    }
    return cache.get(prefix) ?? null;
  };
  return Object.assign(ask, { answers: () => [...cache.values()].filter((e): e is Exchange => e !== null) });
}

const prefixOf = (path: string) => `/${path.split('/')[1] ?? ''}`;

/** Does this answer say "no such route": its prefix's catch-all answer (same status, same body but for the path)? */
export function answersLikePrefixCatchAll(catchAlls: readonly Exchange[], ex: Exchange): boolean {
  if (!ex.response) return false;
  const prefix = prefixOf(new URL(ex.request.url).pathname);
  return catchAlls.some((c) => prefixOf(new URL(c.request.url).pathname) === prefix && sameAnswer(c, ex));
}

/** The same status and the same body once each request's own path is taken out. */
function sameAnswer(madeUp: Exchange, ex: Exchange): boolean {
  if (!madeUp.response || !ex.response || madeUp.response.status !== ex.response.status) return false;
  const paths = [madeUp, ex].map((e) => new URL(e.request.url).pathname);
  return samePage(madeUp.response.body, ex.response.body, paths);
}
