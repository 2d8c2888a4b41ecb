import { z } from 'zod';
import { EnvironmentError, InputError } from '../../../common/index.ts';
import { once, type FaultEnvironment, type FaultKind } from './fault-kind.ts';

/**
 * `toxiproxy: { proxy, enabled: false }` takes a proxy down (connections refused) and enables it again;
 * `toxiproxy: { proxy, toxic: { type, attributes, stream, toxicity } }` adds any Toxiproxy toxic and deletes it.
 * Works on any Toxiproxy API: the managed stack's fault proxy, `rampart proxy`, or the real Toxiproxy.
 */
const toxicSchema = z
  .object({
    type: z.string().min(1),
    attributes: z.record(z.string(), z.number()).default({}),
    stream: z.enum(['upstream', 'downstream']).default('downstream'),
    toxicity: z.number().min(0).max(1).default(1),
  })
  .strict();

export const toxiproxySpecSchema = z.union(
  [
    z.object({ proxy: z.string().min(1), enabled: z.literal(false) }).strict(),
    z.object({ proxy: z.string().min(1), toxic: toxicSchema }).strict(),
  ],
  { error: 'give { proxy, enabled: false } or { proxy, toxic: { type, attributes, stream, toxicity } }' },
);
export type ToxiproxySpec = z.infer<typeof toxiproxySpecSchema>;

async function call(
  env: FaultEnvironment,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  let res: Response;
  try {
    res = await fetch(`${env.toxiproxyUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new EnvironmentError(
      'RAMPART_TOXIPROXY_UNREACHABLE',
      `the Toxiproxy API at ${env.toxiproxyUrl} does not answer (${method} ${path}): ${(err as Error).message}`,
      {
        hint: 'start it (rampart proxy, or toxiproxy-server) or give the right --toxiproxy URL',
        cause: err,
      },
    );
  }
  return { status: res.status, text: await res.text() };
}

async function must(env: FaultEnvironment, method: string, path: string, body?: unknown): Promise<void> {
  const r = await call(env, method, path, body);
  // A rollback of something already gone is done.
  if (r.status >= 300 && !(method === 'DELETE' && r.status === 404))
    throw new Error(`Toxiproxy ${method} ${path} answered ${r.status}: ${r.text.trim()}`);
}

const proxyPath = (spec: ToxiproxySpec, env: FaultEnvironment) =>
  `/proxies/${encodeURIComponent(env.proxyNames[spec.proxy] ?? spec.proxy)}`;
let counter = 0;

export const toxiproxyFault: FaultKind<ToxiproxySpec> = {
  key: 'toxiproxy',
  schema: toxiproxySpecSchema,
  unavailable: (spec, env) =>
    env.toxiproxyUrl
      ? null
      : `no Toxiproxy to reach proxy ${spec.proxy} (give --toxiproxy URL of the Toxiproxy in front of that dependency, or run on the managed stack)`,
  /** The proxy must exist, and a toxic must be one this Toxiproxy accepts: tried at toxicity 0 (affects no connection) and deleted. */
  async preflight(spec, env) {
    const name = env.proxyNames[spec.proxy] ?? spec.proxy;
    const got = await call(env, 'GET', proxyPath(spec, env));
    if (got.status === 404) {
      const all = await call(env, 'GET', '/proxies');
      let names = '';
      try {
        names = Object.keys(JSON.parse(all.text) as Record<string, unknown>).join(', ');
      } catch {
        names = '(could not list them)';
      }
      throw new InputError(
        'RAMPART_DRILL_PROXY_UNKNOWN',
        `Toxiproxy at ${env.toxiproxyUrl} has no proxy named "${name}"; it has: ${names || 'none'}`,
        {
          hint: `create it (rampart proxy --config, or toxiproxy-cli create), or name one that exists${name !== spec.proxy ? '' : ' (--proxy-name FILE_NAME=PROXY maps a name)'}`,
        },
      );
    }
    if (got.status !== 200)
      throw new EnvironmentError(
        'RAMPART_TOXIPROXY_UNREACHABLE',
        `Toxiproxy GET /proxies/${name} answered ${got.status}: ${got.text.trim()}`,
      );
    if ('toxic' in spec) {
      const probe = `rampart-preflight-${process.pid}-${++counter}`;
      const r = await call(env, 'POST', `${proxyPath(spec, env)}/toxics`, { name: probe, ...spec.toxic, toxicity: 0 });
      if (r.status >= 300) {
        throw new InputError(
          'RAMPART_DRILL_TOXIC_INVALID',
          `Toxiproxy refused toxic ${spec.toxic.type} on proxy ${name}: ${r.status} ${r.text.trim()}`,
          {
            hint: 'check the toxic type and its attributes (latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data)',
          },
        );
      }
      await must(env, 'DELETE', `${proxyPath(spec, env)}/toxics/${probe}`);
    }
  },
  async inject(spec, env, ctx) {
    const at = proxyPath(spec, env);
    if ('enabled' in spec) {
      await must(env, 'POST', at, { enabled: false });
      return once(() => must(env, 'POST', at, { enabled: true }));
    }
    const name = `rampart-${ctx.drill}-${ctx.id.replace(/[^A-Za-z0-9_-]/g, '_')}-${++counter}`;
    await must(env, 'POST', `${at}/toxics`, { name, ...spec.toxic });
    return once(() => must(env, 'DELETE', `${at}/toxics/${name}`));
  },
};
