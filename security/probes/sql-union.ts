import { ok2xx } from '../http.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, isAdminOp, isAuthPath, nextPoolUser, paramsForPath } from '../scan-context.ts';
import { exampleFor, flatten, schemaType } from '../schema-example.ts';

const CAT = 'injection';
const MARK = 'rampartUnion7';

/** `x' UNION SELECT 'm','m',…--` for 1..n columns, with ' and ') and ')) closers. */
export function unionPayloads(valid: string, maxColumns: number, closers = ["'", "')", "'))"]): string[] {
  const out: string[] = [];
  for (const close of closers) {
    for (let n = 1; n <= maxColumns; n += 1)
      out.push(`${valid}${close} UNION SELECT ${Array.from({ length: n }, () => `'${MARK}'`).join(',')}--`);
  }
  return out;
}

/**
 * UNION probes in query strings and JSON bodies: a marker selected by the
 * injected UNION coming back in the answer proves the query was rewritten
 * (data of any table can be read the same way).
 */
export async function probeSqlUnion(ctx: ScanContext): Promise<void> {
  const quick = ctx.profile === 'quick';
  // 12 columns in both profiles: real tables are wide (a shop's products: 9); quick saves on closers and slots instead.
  const maxColumns = 12;
  let tried = 0;
  for (const op of ctx.api.operations.filter(
    (o) =>
      !isAdminOp(ctx, o) &&
      (o.method === 'GET' || (!ctx.readOnly && !quick && o.method === 'POST')) &&
      !isAuthPath(ctx, o.path),
  )) {
    const params = paramsForPath(ctx, op.path) ?? Object.fromEntries(op.pathParams.map((p) => [p.name, 'rampart']));
    const user = op.pathParams.length > 0 ? ctx.a : nextPoolUser(ctx);
    const slots: { where: 'query' | 'body'; name: string }[] = [
      ...op.queryParams
        .filter((p) => schemaType(flatten(p.schema)) === 'string' || schemaType(flatten(p.schema)) === undefined)
        .map((p) => ({ where: 'query' as const, name: p.name })),
      ...(op.method === 'POST' && op.bodySchema
        ? Object.entries((flatten(op.bodySchema).properties ?? {}) as Record<string, Record<string, unknown>>)
            .filter(([, s]) => schemaType(flatten(s)) === 'string')
            .map(([name]) => ({ where: 'body' as const, name }))
        : []),
    ].slice(0, quick ? 1 : 3);
    const body = op.bodySchema ? (exampleFor(op.bodySchema) as Record<string, unknown>) : undefined;
    for (const slot of slots) {
      for (const payload of unionPayloads('rampart', maxColumns, quick ? ["'"] : undefined)) {
        tried += 1;
        const ex = await call(ctx, op, {
          user,
          params,
          query: slot.where === 'query' ? { [slot.name]: payload } : {},
          ...(op.method === 'POST' ? { json: slot.where === 'body' ? { ...body, [slot.name]: payload } : body } : {}),
        });
        if (ex.response?.status === 429) break;
        if (ok2xx(ex) && withoutEcho(ex.response?.body ?? '', payload).includes(MARK)) {
          ctx.sink.add({
            ruleId: 'rampart-inj-sql-union',
            title: 'SQL injection (UNION based)',
            category: CAT,
            severity: 'critical',
            endpoint: op.key,
            evidence: ex,
            description: `In ${op.key} (${slot.where} "${slot.name}"), ${JSON.stringify(payload)} made the answer carry the selected marker: any table can be read this way. Use parameterised queries only.`,
          });
          break;
        }
      }
    }
  }
  ctx.notes.push(`security scan: ${tried} UNION probe(s) sent`);
}

/** The body without echoes of the payload itself (a search page repeating the query is not an injection). */
function withoutEcho(body: string, payload: string): string {
  const forms = [
    payload,
    JSON.stringify(payload).slice(1, -1),
    encodeURIComponent(payload),
    payload.replace(/'/g, '&#39;'),
    payload.replace(/'/g, '&#x27;'),
  ];
  return forms.reduce((acc, f) => acc.split(f).join(''), body);
}
