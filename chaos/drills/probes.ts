import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { compileStringTemplate, compileTemplate, getPath, type TemplateContext } from '../../scenarios/index.ts';
import type { Probe } from './types.ts';

export interface ProbeResult {
  name: string;
  ok: boolean;
  detail: string;
}

type ProbeStep = Probe['burst']['request'];

/** Bounds every request and the whole burst: a probe never outlives its drill by much. */
const REQUEST_TIMEOUT_MS = 5000;
const BURST_BOUND_MS = 60_000;

async function send(
  agent: Agent,
  baseUrl: string,
  step: ProbeStep,
  ctx: TemplateContext,
): Promise<{ status: number; body: unknown }> {
  const path = compileStringTemplate(step.path)(ctx);
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(step.headers).map(([k, v]) => [k, compileStringTemplate(v)(ctx)]),
  );
  const body = step.body === undefined ? undefined : JSON.stringify(compileTemplate(step.body)(ctx));
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await request(`${baseUrl.replace(/\/$/, '')}${path}`, {
    dispatcher: agent,
    method: step.method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.body.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.statusCode, body: parsed };
}

/**
 * A burst probe: its setup steps once (e.g. register and log in a user of its own, so the drill's users
 * are not the ones limited; {{runId}} is unique per probe), then `request` from `concurrency` workers
 * until one answers `until` (the probe holds) or `max` were sent (it does not). Bounded in count and time.
 */
export async function runProbe(probe: Probe, baseUrl: string): Promise<ProbeResult> {
  const { burst } = probe;
  const agent = new Agent({
    connections: burst.concurrency,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const ctx: TemplateContext = { runId: randomUUID().slice(0, 8) };
  try {
    for (const step of burst.setup) {
      const r = await send(agent, baseUrl, step, ctx);
      const expected = step.expectStatus ? step.expectStatus.includes(r.status) : r.status >= 200 && r.status < 400;
      if (!expected)
        return { name: probe.name, ok: false, detail: `probe setup ${step.method} ${step.path} answered ${r.status}` };
      for (const [name, c] of Object.entries(step.captures)) ctx[name] = getPath(r.body, c.json);
    }
    let sent = 0;
    let reached = false;
    const statuses = new Map<number, number>();
    const deadline = Date.now() + BURST_BOUND_MS;
    const worker = async () => {
      while (!reached && sent < burst.max && Date.now() < deadline) {
        sent += 1;
        let status = 0;
        try {
          status = (await send(agent, baseUrl, burst.request, ctx)).status;
        } catch {
          status = 0;
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === burst.until) reached = true;
      }
    };
    await Promise.all(Array.from({ length: burst.concurrency }, worker));
    const seen = [...statuses].map(([s, n]) => `${s === 0 ? 'network error' : s}×${n}`).join(', ');
    return {
      name: probe.name,
      ok: reached,
      detail: reached
        ? `${burst.until} after ${sent} requests (${seen})`
        : `no ${burst.until} in ${sent} requests (${seen})`,
    };
  } catch (err) {
    return { name: probe.name, ok: false, detail: `probe failed: ${(err as Error).message}` };
  } finally {
    await agent.close();
  }
}
