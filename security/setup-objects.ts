import { jsonBody, ok2xx } from './http.ts';
import { findId } from './ledger.ts';
import type { ApiOperation } from './openapi.ts';
import type { ScanContext } from './scan-context.ts';
import { call, isAdminOp, paramsForPath } from './scan-context.ts';
import { exampleFor } from './schema-example.ts';

/** The item template under a collection ("/v1/posts" → "/v1/posts/{id}"), when the document has one. */
export function itemTemplateOf(ctx: ScanContext, collection: string): string | undefined {
  return ctx.api.operations
    .map((o) => o.path)
    .find((p) => p.startsWith(`${collection}/{`) && p.split('/').length === collection.split('/').length + 1);
}

/**
 * Creates one object as user A through every documented POST that makes an
 * addressable item (POST /things with a GET|PATCH|DELETE /things/{id}),
 * parents before children, so BOLA probes have A's ids to try as B.
 */
export async function setupObjects(ctx: ScanContext): Promise<void> {
  // Ids the login/register responses carry (a basket id): A's own objects, private by nature.
  for (const c of ctx.auth.captures) {
    const id = c.itemPath ? ctx.a.vars[c.name] : undefined;
    if (c.itemPath && id !== undefined)
      ctx.objects.set(c.itemPath, {
        itemPath: c.itemPath,
        id,
        private: true,
        createdBy: `captured ${c.name}`,
        body: undefined,
      });
    else if (c.itemPath)
      ctx.notes.push(
        `security scan: capture "${c.name}" found nothing in user A's ${c.from} response; BOLA checks under ${c.itemPath} were skipped`,
      );
  }
  if (ctx.readOnly) {
    ctx.notes.push('security scan: --read-only: no objects created; BOLA checks use captured ids only');
    return;
  }
  const creators = ctx.api.operations
    .filter((op) => op.method === 'POST' && !isAdminOp(ctx, op) && itemTemplateOf(ctx, op.path) !== undefined)
    .sort((x, y) => x.path.split('/').length - y.path.split('/').length);
  for (const op of creators) {
    await createOne(ctx, op);
  }
  const made = [...ctx.objects.values()].map((o) => `${o.itemPath}${o.private ? ' (private)' : ''}`);
  ctx.notes.push(
    `security scan: user A created ${made.length} object(s) for the BOLA checks: ${made.join(', ') || 'none'}`,
  );
}

async function createOne(ctx: ScanContext, op: ApiOperation): Promise<void> {
  const params = paramsForPath(ctx, op.path);
  if (params === null) return;
  const body = op.bodySchema ? exampleFor(op.bodySchema, { preferPrivate: true }) : undefined;
  const ex = await call(ctx, op, { user: ctx.a, params, json: body });
  const itemPath = itemTemplateOf(ctx, op.path) as string;
  const id = ok2xx(ex) ? findId(jsonBody(ex)) : null;
  if (id === null) {
    ctx.notes.push(
      `security scan: could not create an object with ${op.key} as user A (${ex.response?.status ?? ex.error}); BOLA checks under ${itemPath} were skipped`,
    );
    return;
  }
  const declaresVisibility = JSON.stringify(op.bodySchema ?? {}).includes('"private"');
  const publicByConfig = ctx.auth.publicReadPaths.includes(itemPath);
  ctx.objects.set(itemPath, {
    itemPath,
    id,
    private: !publicByConfig && (declaresVisibility || !JSON.stringify(op.bodySchema ?? {}).includes('visib')),
    createdBy: op.key,
    body,
  });
}
