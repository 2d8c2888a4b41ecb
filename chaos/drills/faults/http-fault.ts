import { z } from 'zod';
import { once, type FaultEnvironment, type FaultKind } from './fault-kind.ts';

/**
 * `http: { method, url, headers, body, rollback: { … } }`: call an admin endpoint (a feature flag, a
 * failover switch, a chaos endpoint of the system) and its undo. A url starting with / is on the target.
 * Any status outside expectStatus (default 2xx) fails the call.
 */
const callSchema = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    url: z
      .string()
      .min(1)
      .refine((u) => u.startsWith('/') || /^https?:\/\//.test(u), {
        message: 'must be an http(s) URL or a path on the target starting with /',
      }),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.unknown().optional(),
    expectStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  })
  .strict();
export const httpSpecSchema = callSchema.extend({ rollback: callSchema }).strict();
export type HttpSpec = z.infer<typeof httpSpecSchema>;
type Call = z.infer<typeof callSchema>;

async function send(c: Call, env: FaultEnvironment): Promise<void> {
  const url = c.url.startsWith('/') ? `${env.targetUrl.replace(/\/$/, '')}${c.url}` : c.url;
  const body = c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  const headers = {
    ...(body !== undefined && typeof c.body !== 'string' ? { 'content-type': 'application/json' } : {}),
    ...c.headers,
  };
  let res: Response;
  try {
    res = await fetch(url, {
      method: c.method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new Error(`${c.method} ${url} got no answer: ${(err as Error).message}`);
  }
  const text = await res.text();
  const ok = c.expectStatus ? c.expectStatus.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!ok)
    throw new Error(`${c.method} ${url} answered ${res.status}${text.trim() ? `: ${text.trim().slice(0, 200)}` : ''}`);
}

export const httpFault: FaultKind<HttpSpec> = {
  key: 'http',
  schema: httpSpecSchema,
  unavailable: () => null,
  async inject(spec, env) {
    await send(spec, env);
    return once(() => send(spec.rollback, env));
  },
};
