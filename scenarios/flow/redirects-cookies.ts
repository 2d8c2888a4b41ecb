import { CookieJar } from 'tough-cookie';
import { header, type RenderedRequest, type StepResponse } from './run-step.ts';

/** What a VU keeps across its iterations, as a k6 VU does: its cookie jar, made on the first Set-Cookie. */
export interface VuState {
  cookies: CookieJar | null;
}

export const newVuState = (): VuState => ({ cookies: null });

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The request with the VU's cookies for its URL added to its own Cookie header (k6 merges them alike). */
export function withCookies(req: RenderedRequest, vu: VuState, origin: string): RenderedRequest {
  if (!vu.cookies) return req;
  const jarCookies = vu.cookies.getCookieStringSync(origin + req.path);
  if (!jarCookies) return req;
  const own = req.requestHeaders.cookie;
  return { ...req, requestHeaders: { ...req.requestHeaders, cookie: own ? `${own}; ${jarCookies}` : jarCookies } };
}

/** Keeps the answer's Set-Cookie headers in the VU's jar (a cookie the jar refuses is skipped, as a browser does). */
export function keepCookies(res: StepResponse, path: string, vu: VuState, origin: string): void {
  const set = res.headers['set-cookie'];
  if (set === undefined) return;
  vu.cookies ??= new CookieJar();
  for (const c of Array.isArray(set) ? set : [set]) vu.cookies.setCookieSync(c, origin + path, { ignoreError: true });
}

/**
 * The next request of a redirect (301, 302, 303, 307, 308 with a Location on the same origin), or null. As
 * Go's client (k6's): 303, and 301/302 after a POST, go on as GET without a body; 307/308 re-send the method
 * and body. A Location on another origin is not followed (rampart sends only to its target).
 */
export function followRedirect(
  res: StepResponse,
  hop: RenderedRequest,
  stepMethod: string,
  origin: string,
): RenderedRequest | null {
  if (res.status === null || !REDIRECTS.has(res.status)) return null;
  const location = header(res, 'location');
  if (!location) return null;
  let to: URL;
  try {
    to = new URL(location, origin + hop.path);
  } catch {
    return null;
  }
  if (to.origin !== new URL(origin).origin) return null;
  const method = hop.method ?? stepMethod;
  // Go's client (k6's): after 301, 302 and 303 every method but GET and HEAD goes on as a GET without its body;
  // 307 and 308 re-send the method and body.
  const toGet =
    (res.status === 301 || res.status === 302 || res.status === 303) && method !== 'GET' && method !== 'HEAD';
  if (!toGet) return { ...hop, path: to.pathname + to.search };
  const { 'content-type': _type, 'content-length': _length, ...headers } = hop.requestHeaders;
  return { path: to.pathname + to.search, requestHeaders: headers, requestBody: undefined, wire: null, method: 'GET' };
}
