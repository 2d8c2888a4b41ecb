import type { CatchAll } from '../content.ts';
import type { Exchange, ScanHttpClient } from '../http.ts';
import type { ApiModel } from '../openapi.ts';
import { modelFromDocument } from '../openapi.ts';
import { buildDocument } from './doc-builder.ts';
import { readHar } from './har.ts';
import { fetchServedDocument, readDocumentFrom } from './openapi-source.ts';
import { discoverFromPage } from './page-discovery.ts';

export interface ApiSourceOptions {
  /** --openapi FILE|URL */
  openapi?: string;
  /** --har FILE */
  har?: string;
  /** Where the target serves its document (auth config openapiPath). */
  servedPath: string;
}

export interface ApiSource {
  model: ApiModel;
  /** How the document was obtained: written (given or served) or discovered. */
  kind: 'file' | 'url' | 'served' | 'har' | 'page';
  discovered: boolean;
  note: string;
  /** Writes found in the page's scripts, never sent by discovery: kept unverified (page discovery only). */
  unverified: string[];
  /** What made-up paths under a prefix answered when not a plain 404/405 (page discovery only). */
  prefixCatchAlls: Exchange[];
}

/**
 * The API model, from the first source that has one: --openapi, --har, the
 * document the target serves, and finally discovery from the app's page.
 */
export async function loadApiSource(
  client: ScanHttpClient,
  opts: ApiSourceOptions,
  catchAll: CatchAll | null,
  progress: (l: string) => void,
): Promise<ApiSource> {
  if (opts.openapi) {
    const doc = await readDocumentFrom(opts.openapi, client);
    const model = await modelFromDocument(doc);
    const converted = doc.swagger ? ` (Swagger ${String(doc.swagger)}, converted to OpenAPI 3.0)` : '';
    return {
      model,
      kind: /^https?:/.test(opts.openapi) ? 'url' : 'file',
      discovered: false,
      unverified: [],
      prefixCatchAlls: [],
      note: `document from --openapi ${opts.openapi}${converted}: ${model.operations.length} operations`,
    };
  }
  if (opts.har) {
    const observed = await readHar(opts.har, client.base.origin);
    const model = await modelFromDocument(buildDocument(observed, client.base.origin));
    return {
      model,
      kind: 'har',
      discovered: true,
      unverified: [],
      prefixCatchAlls: [],
      note: `no document: ${model.operations.length} operations discovered from ${observed.length} recorded requests in --har ${opts.har}`,
    };
  }
  const served = await fetchServedDocument(client, opts.servedPath);
  if ('doc' in served) {
    const model = await modelFromDocument(served.doc);
    return {
      model,
      kind: 'served',
      discovered: false,
      unverified: [],
      prefixCatchAlls: [],
      note: `document served at ${opts.servedPath}: ${model.operations.length} operations`,
    };
  }
  progress(`scan: ${served.reason}; discovering the API from the app's page and scripts`);
  const { observed, scripts, unverified, prefixCatchAlls } = await discoverFromPage(client, catchAll, progress);
  const model = await modelFromDocument(buildDocument(observed, client.base.origin));
  const writes = unverified.length
    ? ` (${unverified.length} write(s) found in scripts kept unverified: discovery sends only GET)`
    : '';
  return {
    model,
    kind: 'page',
    discovered: true,
    unverified,
    prefixCatchAlls,
    note: `no document (${served.reason}): ${model.operations.length} operations discovered from the app's page and ${scripts} script(s)${writes}; give --openapi FILE|URL or --har FILE for a fuller scan`,
  };
}
