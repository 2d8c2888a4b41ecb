import { readFile } from 'node:fs/promises';
import { InputError } from '../../common/index.ts';
import type { Observed } from './doc-builder.ts';

interface HarEntry {
  request?: {
    method?: string;
    url?: string;
    headers?: { name: string; value: string }[];
    postData?: { mimeType?: string; text?: string };
  };
  response?: { status?: number; content?: { mimeType?: string } };
}

const STATIC = /\.(js|mjs|css|png|jpe?g|gif|svg|ico|woff2?|ttf|map|html?)$/i;

/**
 * `--har FILE`: the requests a browser (or a proxy) recorded against the
 * target, kept when they went to the target's origin and look like API calls
 * (not static files).
 */
export async function readHar(file: string, targetOrigin: string): Promise<Observed[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(
      'RAMPART_HAR_UNREADABLE',
      `cannot read the HAR file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { cause: err, hint: 'check the path' },
    );
  }
  let entries: HarEntry[];
  try {
    const har = JSON.parse(text) as { log?: { entries?: HarEntry[] } };
    if (!Array.isArray(har.log?.entries)) throw new Error('no log.entries array');
    entries = har.log.entries;
  } catch (err) {
    throw new InputError('RAMPART_HAR_INVALID', `${file} is not a HAR file: ${(err as Error).message}`, {
      hint: 'export it from the browser (DevTools → Network → Save all as HAR) or a proxy',
    });
  }
  const out: Observed[] = [];
  for (const e of entries) {
    const req = e.request;
    if (!req?.url || !req.method) continue;
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      continue;
    }
    if (url.origin !== targetOrigin || STATIC.test(url.pathname)) continue;
    const mime = e.response?.content?.mimeType ?? '';
    if (url.pathname === '/') continue; // the app's page, not an API call
    const headers = new Map((req.headers ?? []).map((h) => [h.name.toLowerCase(), h.value]));
    let body: unknown;
    if (req.postData?.text && /json/.test(req.postData.mimeType ?? headers.get('content-type') ?? '')) {
      try {
        body = JSON.parse(req.postData.text) as unknown;
      } catch {
        body = undefined;
      }
    }
    out.push({
      method: req.method.toUpperCase(),
      path: url.pathname,
      query: [...url.searchParams.keys()],
      body,
      authenticated: headers.has('authorization') || headers.has('cookie'),
      ...(e.response?.status ? { status: e.response.status } : {}),
      responseJson: /json/.test(mime),
    });
  }
  return out;
}
