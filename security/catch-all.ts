import { randomBytes } from 'node:crypto';
import type { CatchAll } from './content.ts';
import type { ScanHttpClient } from './http.ts';

/**
 * Asks for two paths that cannot exist. A single-page app (or a proxy's
 * fallback) answers both with the same 200 page: that page is recorded once,
 * and every later response that is that page counts as "no such route".
 */
export async function detectCatchAll(client: ScanHttpClient): Promise<CatchAll | null> {
  const tag = randomBytes(5).toString('hex');
  const paths = [`/rampart-made-up-${tag}`, `/rampart-made-up-${tag}/deeper/page`];
  const got = [];
  for (const path of paths)
    got.push(
      await client.send({ method: 'GET', path, headers: { accept: 'text/html,application/json;q=0.9,*/*;q=0.8' } }),
    );
  const ok = got.filter((ex) => ex.response && ex.response.status >= 200 && ex.response.status < 300);
  if (ok.length === 0) return null;
  const [first] = ok;
  return {
    body: first?.response?.body ?? '',
    status: first?.response?.status ?? 200,
    contentType: first?.response?.headers['content-type'] ?? '',
  };
}
