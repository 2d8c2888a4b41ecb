import { randomInt } from 'node:crypto';
import type { Exchange } from '../http.ts';
import type { ScanContext } from '../scan-context.ts';
import { call, isSafeMethod, templateEndpoint } from '../scan-context.ts';

const CAT = 'API4:2023';

export function randomIp(): string {
  return `198.51.100.${randomInt(1, 255)}`;
}

/**
 * After a limit was met (429), the same request with a fresh X-Forwarded-For
 * each time must still be limited: a limiter that trusts the header lets
 * anyone reset it.
 */
export async function probeXffBypass(
  ctx: ScanContext,
  where: string,
  send: (headers: Record<string, string>) => Promise<Exchange>,
): Promise<void> {
  triedOn(ctx).add(where);
  let passed: Exchange | null = null;
  for (let i = 0; i < 4 && !passed; i += 1) {
    const ip = randomIp();
    const ex = await send({ 'x-forwarded-for': ip, 'x-real-ip': ip });
    if (ex.response && ex.response.status !== 429) passed = ex;
  }
  if (!passed) return;
  // Control: without the header the limit must still hold, else the window simply ended.
  const control = await send({});
  if (control.response?.status !== 429) return;
  ctx.sink.add({
    ruleId: 'rampart-api4-rate-limit-bypass',
    title: 'Rate limit bypassed with X-Forwarded-For',
    category: CAT,
    severity: 'medium',
    endpoint: where,
    evidence: passed,
    description: `${where} answered 429, then ${passed.response?.status} to the same request with a new X-Forwarded-For (and 429 again without it). Key limits on the authenticated user (and the socket address or a trusted proxy's header only), never on a client-supplied header.`,
  });
}

const tried = new WeakMap<ScanContext, Set<string>>();
function triedOn(ctx: ScanContext): Set<string> {
  const set = tried.get(ctx) ?? new Set<string>();
  tried.set(ctx, set);
  return set;
}

/**
 * Every route that answered 429 during the scan (a password reset limited to 5 tries, an export), not only
 * the login and the burst route: its last limited request is sent again; while the limit still holds, the same
 * request with a new X-Forwarded-For each time must stay limited. GET and POST only (writes stay with the guard).
 */
export async function probeLimitedRoutes(ctx: ScanContext): Promise<void> {
  const limited = new Map<string, Exchange>();
  for (const ex of ctx.client.history) {
    if (ex.response?.status !== 429 || ex.actor === 'forged' || ex.actor === 'liveness') continue;
    const where = templateEndpoint(ctx, ex.request.method, ex.request.url);
    if (!triedOn(ctx).has(where) && (isSafeMethod(ex.request.method) || ex.request.method === 'POST'))
      limited.set(where, ex);
  }
  const users = [ctx.a, ctx.b, ...ctx.pool, ...ctx.ledger.users];
  const checked: string[] = [];
  for (const [where, ex] of [...limited].slice(0, ctx.profile === 'quick' ? 6 : 20)) {
    const url = new URL(ex.request.url);
    const user = users.find((u) => u.label === ex.actor) ?? null;
    const send = (headers: Record<string, string>) =>
      call(
        ctx,
        { method: ex.request.method, path: `${url.pathname}${url.search}` },
        { user, headers, ...(ex.request.body !== undefined ? { raw: ex.request.body } : {}) },
      );
    // Still limited? Otherwise its window ended and there is nothing to bypass.
    const again = await send({});
    if (again.response?.status !== 429) continue;
    checked.push(where);
    await probeXffBypass(ctx, where, send);
  }
  if (limited.size > 0)
    ctx.notes.push(
      `security scan: ${limited.size} other route(s) answered 429 during the scan; X-Forwarded-For bypass tried on ${checked.length} still limited: ${checked.join(', ') || 'none'}`,
    );
}
