import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { ProbeName } from './types.ts';

export interface ProbeResult {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * rate-limit-enforced: a fresh user bursts up to 600 requests; the limiter
 * must answer 429 at some point (with Redis down, a local limiter has to take
 * over rather than fail open).
 */
async function rateLimitEnforced(baseUrl: string): Promise<ProbeResult> {
  const name = 'rate limiting still enforced (a burst from one user meets 429)';
  const agent = new Agent({ connections: 8, headersTimeout: 5000, bodyTimeout: 5000 });
  try {
    const id = randomUUID().slice(0, 8);
    const email = `probe-${id}@example.test`;
    const password = 'probe-password-123!';
    const post = (path: string, body: unknown) =>
      request(`${baseUrl}${path}`, { dispatcher: agent, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await (await post('/v1/auth/register', { email, password, handle: `p${id}` })).body.dump();
    const login = await post('/v1/auth/login', { email, password });
    const { accessToken } = (await login.body.json()) as { accessToken?: string };
    if (!accessToken) return { name, ok: false, detail: `could not log the probe user in (status ${login.statusCode})` };
    let sent = 0;
    const statuses = new Map<number, number>();
    let limited = false;
    const worker = async () => {
      while (!limited && sent < 600) {
        sent += 1;
        try {
          const res = await request(`${baseUrl}/v1/trending`, { dispatcher: agent, headers: { authorization: `Bearer ${accessToken}` } });
          await res.body.dump();
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode === 429) limited = true;
        } catch {
          statuses.set(0, (statuses.get(0) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const seen = [...statuses].map(([s, n]) => `${s === 0 ? 'network error' : s}×${n}`).join(', ');
    return { name, ok: limited, detail: limited ? `429 after ${sent} requests (${seen})` : `no 429 in ${sent} requests (${seen})` };
  } catch (err) {
    return { name, ok: false, detail: `probe failed: ${(err as Error).message}` };
  } finally {
    await agent.close();
  }
}

export function runProbe(probe: ProbeName, baseUrl: string): Promise<ProbeResult> {
  switch (probe) {
    case 'rate-limit-enforced':
      return rateLimitEnforced(baseUrl);
  }
}
