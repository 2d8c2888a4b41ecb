import type { Exchange } from '../http.ts';
import type { ScanContext } from '../scan-context.ts';
import { call } from '../scan-context.ts';

const CAT = 'API8:2023';
const EVIL = 'https://rampart-evil.example';

/** The routes worth a CORS check: the caller's own profile (or a secured GET) and the document. */
function paths(ctx: ScanContext): { path: string; authenticated: boolean }[] {
  const secured =
    ctx.auth.mePath ??
    ctx.api.operations.find((o) => o.method === 'GET' && (o.secured || ctx.discovered) && o.pathParams.length === 0)
      ?.path;
  const out = secured ? [{ path: secured, authenticated: true }] : [];
  if (!ctx.discovered) out.push({ path: ctx.auth.openapiPath, authenticated: false });
  return out;
}

/**
 * CORS: an arbitrary origin (or "null") must not be reflected, least of all
 * with credentials; "*" must not be sent with credentials, and on an
 * authenticated route it lets any site read what the browser can reach.
 */
export async function probeCors(ctx: ScanContext): Promise<void> {
  for (const { path, authenticated } of paths(ctx)) {
    const probes: Exchange[] = [
      await call(ctx, { method: 'GET', path }, { user: ctx.a, headers: { origin: EVIL } }),
      await call(ctx, { method: 'GET', path }, { user: ctx.a, headers: { origin: 'null' } }),
      await call(
        ctx,
        { method: 'OPTIONS', path },
        {
          user: null,
          headers: {
            origin: EVIL,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization',
          },
        },
      ),
    ];
    const where = `GET ${path}`;
    const reported = new Set<string>();
    const add = (f: Parameters<typeof ctx.sink.add>[0]) => {
      // One finding per rule and route: the preflight repeating the GET's answer is the same flaw.
      if (reported.has(f.ruleId)) return;
      reported.add(f.ruleId);
      ctx.sink.add(f);
    };
    for (const ex of probes) {
      const h = ex.response?.headers ?? {};
      const acao = h['access-control-allow-origin'];
      const creds = h['access-control-allow-credentials'] === 'true';
      const sent = ex.request.headers.origin;
      if (acao !== undefined && acao === sent) {
        add({
          ruleId: creds ? 'rampart-api8-cors-reflect-credentials' : 'rampart-api8-cors-reflect',
          title: `CORS reflects any origin${creds ? ' with credentials' : ''}`,
          category: CAT,
          severity: creds ? 'high' : 'medium',
          endpoint: where,
          evidence: ex,
          description: `Origin ${sent} was echoed in Access-Control-Allow-Origin${creds ? ' together with Access-Control-Allow-Credentials: true, so any site can make authenticated calls and read the answers' : ''}. Allow only configured origins.`,
        });
      } else if (acao === '*' && creds) {
        add({
          ruleId: 'rampart-api8-cors-wildcard-credentials',
          title: 'CORS wildcard with credentials',
          category: CAT,
          severity: 'medium',
          endpoint: where,
          evidence: ex,
          description:
            'Access-Control-Allow-Origin: * with credentials is a misconfiguration; allow only configured origins.',
        });
      } else if (acao === '*') {
        add({
          ruleId: 'rampart-api8-cors-wildcard',
          title: 'CORS allows any origin (*)',
          category: CAT,
          severity: authenticated ? 'medium' : 'low',
          endpoint: where,
          evidence: ex,
          description: `Access-Control-Allow-Origin: * on ${authenticated ? 'an authenticated route' : 'this route'}: any web page can read what a visitor's browser can reach here (an intranet-only API, anything authorised by network position). Allow only configured origins.`,
        });
      }
    }
  }
}
