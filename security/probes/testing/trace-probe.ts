import { call, type ScanContext } from '../../scan-context.ts';

/**
 * The example probe of docs/extending.md (not registered: security/probes/extending.test.ts adds it to scanSteps
 * the way the guide says). API8: a server that answers TRACE echoes the request back, cookies and authorization
 * headers included, which a cross-site script can read (cross-site tracing).
 */
export async function probeTrace(ctx: ScanContext): Promise<void> {
  if (ctx.readOnly) return; // --read-only sends nothing but GET, HEAD and OPTIONS
  const ex = await call(ctx, { method: 'TRACE', path: '/' }, { user: null, headers: { 'x-rampart-trace': 'echo-me' } });
  if (ex.response?.status !== 200 || !ex.response.body.includes('echo-me')) return;
  ctx.sink.add({
    ruleId: 'rampart-api8-trace-enabled',
    title: 'TRACE is enabled and echoes the request',
    category: 'API8:2023',
    severity: 'low',
    endpoint: 'TRACE /',
    evidence: ex,
    description:
      'The server answers TRACE with the request it received, headers included: a script that can send one reads ' +
      'cookies and Authorization headers it could not see otherwise. Refuse TRACE (405) at the server or proxy.',
  });
}
