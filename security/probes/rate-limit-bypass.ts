import { randomInt } from 'node:crypto';
import type { Exchange } from '../http.ts';
import type { ScanContext } from '../scan-context.ts';

const CAT = 'API4:2023';

export function randomIp(): string {
  return `198.51.100.${randomInt(1, 255)}`;
}

/**
 * After a limit was met (429), the same request with a fresh X-Forwarded-For
 * each time must still be limited: a limiter that trusts the header lets
 * anyone reset it.
 */
export async function probeXffBypass(ctx: ScanContext, where: string, send: (headers: Record<string, string>) => Promise<Exchange>): Promise<void> {
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
    ruleId: 'rampart-api4-rate-limit-bypass', title: 'Rate limit bypassed with X-Forwarded-For', category: CAT, severity: 'medium', endpoint: where, evidence: passed,
    description: `${where} answered 429, then ${passed.response?.status} to the same request with a new X-Forwarded-For (and 429 again without it). Key limits on the authenticated user (and the socket address or a trusted proxy's header only), never on a client-supplied header.`,
  });
}
