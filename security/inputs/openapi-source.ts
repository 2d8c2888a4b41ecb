import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { EnvironmentError, InputError } from '../../common/index.ts';
import type { ScanHttpClient } from '../http.ts';

type Obj = Record<string, unknown>;

/** Parses JSON or YAML text into an OpenAPI 3.x / Swagger 2.0 document, or says why not. */
export function parseDocument(text: string): { doc: Obj } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    try {
      value = parseYaml(text) as unknown;
    } catch (err) {
      return { error: `neither JSON nor YAML (${(err as Error).message.split('\n')[0]})` };
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: 'not an object' };
  const doc = value as Obj;
  if (typeof doc.openapi !== 'string' && typeof doc.swagger !== 'string')
    return { error: 'no "openapi" or "swagger" version field' };
  if (typeof doc.openapi === 'string' && !/^3\.[01]\./.test(doc.openapi))
    return { error: `OpenAPI ${doc.openapi} is not supported (3.0, 3.1, or Swagger 2.0)` };
  if (!doc.paths || typeof doc.paths !== 'object') return { error: 'no "paths"' };
  return { doc };
}

/** `--openapi FILE|URL`: reads the document from a file or fetches it; bad input is exit 2. */
export async function readDocumentFrom(source: string, client: ScanHttpClient): Promise<Obj> {
  let text: string;
  if (/^https?:\/\//.test(source)) {
    const ex = await client.send({
      method: 'GET',
      path: source,
      headers: { accept: 'application/json, application/yaml, text/yaml, */*' },
      maxBody: 16 * 1024 * 1024,
    });
    if (!ex.response)
      throw new EnvironmentError(
        'RAMPART_OPENAPI_UNREACHABLE',
        `cannot fetch the OpenAPI document ${source}: ${ex.error ?? 'no response'}`,
        { hint: 'check the URL, or save the document and give the file' },
      );
    if (ex.response.status >= 400)
      throw new InputError(
        'RAMPART_OPENAPI_INVALID',
        `the OpenAPI document's URL ${source} answered ${ex.response.status}`,
        { hint: 'give the URL the document is served at, or a file' },
      );
    text = ex.response.body;
  } else {
    try {
      text = await readFile(source, 'utf8');
    } catch (err) {
      throw new InputError(
        'RAMPART_OPENAPI_UNREADABLE',
        `cannot read the OpenAPI document ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        { cause: err, hint: 'check the path (a file or an http(s) URL)' },
      );
    }
  }
  const parsed = parseDocument(text);
  if ('error' in parsed)
    throw new InputError('RAMPART_OPENAPI_INVALID', `${source} is not an OpenAPI document: ${parsed.error}`, {
      hint: 'give an OpenAPI 3.0/3.1 or Swagger 2.0 document in JSON or YAML',
    });
  return parsed.doc;
}

/** The target's own document at `path`; null (with the reason) when it serves something else (an app page, a 404). */
export async function fetchServedDocument(
  client: ScanHttpClient,
  path: string,
): Promise<{ doc: Obj } | { reason: string }> {
  const ex = await client.send({ method: 'GET', path, maxBody: 16 * 1024 * 1024 });
  if (!ex.response)
    throw new EnvironmentError(
      'RAMPART_TARGET_UNREACHABLE',
      `cannot fetch ${client.url(path)}: ${ex.error ?? 'no response'}`,
      {
        hint: 'check that the target is running and --target is right',
      },
    );
  if (ex.response.status >= 300) return { reason: `${path} answered ${ex.response.status}` };
  const parsed = parseDocument(ex.response.body);
  if ('error' in parsed)
    return {
      reason: `${path} answered ${ex.response.status} ${ex.response.headers['content-type'] ?? ''} but it is not an OpenAPI document (${parsed.error})`,
    };
  return parsed;
}
