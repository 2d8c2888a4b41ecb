import { findId } from '../ledger.ts';
import { jsonBody, ok2xx } from '../http.ts';
import type { Exchange } from '../http.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, isAdminOp, isAuthPath, paramsForPath, templateEndpoint } from '../scan-context.ts';
import { exampleFor, flatten, schemaType } from '../schema-example.ts';
import { itemTemplateOf } from '../setup-objects.ts';
import { idsFor } from './access-control.ts';

const CAT = 'injection';

const isHtml = (ex: Exchange) => /text\/html/i.test(ex.response?.headers['content-type'] ?? '');

/**
 * Stored XSS through JSON: user A stores a markup payload in every string
 * field a create accepts (under the first object of a parent collection when
 * the scan owns none: a review of a product); then every page the scan can
 * read (documented GETs, the list it stored into, the created item, the app
 * page) is searched for the payload unescaped in an answer a browser renders
 * as HTML — an HTML page, or a JSON body served as text/html.
 */
export async function probeStoredXss(ctx: ScanContext): Promise<void> {
  if (ctx.readOnly) return;
  const markers: { marker: string; op: string }[] = [];
  const reads = new Set<string>(['/']);
  const creators = ctx.api.operations.filter(
    (o) => o.method === 'POST' && o.bodySchema && !isAdminOp(ctx, o) && !isAuthPath(ctx, o.path),
  );
  const listsOf: { path: string; params: Record<string, string> }[] = [];
  for (const op of creators.slice(0, ctx.profile === 'quick' ? 6 : 20)) {
    // A sub-resource of an object the scan does not own (a review of a product): the parent's id from its collection.
    const params = paramsForPath(ctx, op.path) ?? (await idsFor(ctx, op));
    const base = exampleFor(op.bodySchema ?? {}) as Record<string, unknown>;
    const props = Object.entries(
      (flatten(op.bodySchema ?? {}).properties ?? {}) as Record<string, Record<string, unknown>>,
    ).filter(([, s]) => schemaType(flatten(s)) === 'string' && !flatten(s).format && !flatten(s).enum);
    if (props.length === 0 || typeof base !== 'object' || base === null) continue;
    const marker = `<img src=x onerror=alert(${markers.length + 1}) id=rampart-sx${markers.length + 1}>`;
    const body = { ...base, ...Object.fromEntries(props.map(([name]) => [name, marker])) };
    const ex = await call(ctx, op, { user: ctx.a, params, json: body });
    if (!ok2xx(ex)) continue;
    markers.push({ marker, op: op.key });
    listsOf.push({ path: op.path, params });
    const id = findId(jsonBody(ex));
    const item = itemTemplateOf(ctx, op.path);
    if (id && item)
      reads.add(
        item.replace(/\{[^}]+\}$/, encodeURIComponent(id)).replace(/\{([^}]+)\}/g, (_m, n: string) => params[n] ?? 'x'),
      );
  }
  if (markers.length === 0) return;
  for (const op of ctx.api.operations.filter((o) => o.method === 'GET' && !isAdminOp(ctx, o))) {
    // The list the payload was stored into is read with the same parent id.
    const params = paramsForPath(ctx, op.path) ?? listsOf.find((l) => l.path === op.path)?.params ?? null;
    if (params !== null)
      reads.add(op.path.replace(/\{([^}]+)\}/g, (_m, n: string) => encodeURIComponent(params[n] ?? '')));
  }
  // Sub-pages of created items that render HTML (a "view" or "print" page) are found through the document above.
  for (const path of [...reads].slice(0, 60)) {
    const ex = await call(ctx, { method: 'GET', path }, { user: ctx.a, headers: { accept: 'text/html,*/*' } });
    if (!ex.response || !isHtml(ex)) continue;
    const hit = markers.find((m) => ex.response?.body.includes(m.marker));
    if (hit) {
      ctx.sink.add({
        ruleId: 'rampart-inj-xss-stored',
        title: 'Stored XSS: a value stored through JSON comes back unescaped in an answer rendered as HTML',
        category: CAT,
        severity: 'high',
        endpoint: templateEndpoint(ctx, 'GET', ex.request.url),
        evidence: ex,
        description: `A markup payload stored with ${hit.op} was served unescaped in an HTML answer of GET ${path}: any user who opens it runs the attacker's script. Escape on output (templating with auto-escape) and validate input.`,
      });
    }
  }
}
