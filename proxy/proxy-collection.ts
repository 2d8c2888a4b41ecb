import { ApiError, errors } from './api-error.ts';
import { hostPortProblem } from './address.ts';
import { Proxy, type UpstreamDownPolicy } from './proxy.ts';
import type { RandomSource } from './random.ts';
import { parseToxic, type ToxicSpec } from './toxic-spec.ts';
import { lenientSilently, type Validation } from './validation.ts';
import { typeProblem } from './go-json.ts';

/** A proxy definition as POST /proxies and /populate accept it (toxics and on_upstream_down are extensions). */
export interface ProxyInput {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  onUpstreamDown?: UpstreamDownPolicy;
  toxics: ToxicSpec[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates one proxy body. `where` is Toxiproxy's suffix for populate
 * ("name at proxy 2"). Toxics are validated here too, so nothing is created
 * unless everything is valid. Like Toxiproxy, the upstream is any non-empty
 * string (it is dialled per connection; a failed dial closes the client);
 * --strict wants host:port.
 */
export function parseProxyInput(body: unknown, where = '', validation: Validation = lenientSilently): ProxyInput {
  if (!isObject(body)) throw errors.badRequestBody.with(`expected a JSON object${where}`);
  const str = (key: string): string | undefined => {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    // Go's own decoding error, which names no entry; populate decodes into an unnamed struct.
    if (typeof v !== 'string')
      throw errors.badRequestBody.with(typeProblem(v, `${where ? '' : 'Proxy'}.${key}`, 'string'));
    return v;
  };
  const name = str('name');
  if (!name) throw errors.missingField.with(`name${where}`);
  const upstream = str('upstream');
  if (!upstream) throw errors.missingField.with(`upstream${where}`);
  const upstreamProblem = hostPortProblem(upstream);
  if (upstreamProblem) validation.concern(`upstream: ${upstreamProblem}`, where);
  // Toxiproxy would listen on every interface for an empty listen; rampart keeps proxies on loopback.
  const listen = str('listen') || '127.0.0.1:0';
  checkListen(listen, validation, where);
  const enabled = body.enabled ?? true;
  if (typeof enabled !== 'boolean')
    throw errors.badRequestBody.with(typeProblem(enabled, `${where ? '' : 'Proxy'}.enabled`, 'bool'));
  const policy = body.on_upstream_down;
  if (policy !== undefined && policy !== 'close' && policy !== 'refuse') {
    throw errors.badRequestBody.with(`on_upstream_down${where}: must be "close" or "refuse"`);
  }
  const toxicsBody = body.toxics ?? [];
  if (!Array.isArray(toxicsBody)) throw errors.badRequestBody.with(`toxics${where}: must be an array`);
  const names = new Set<string>();
  const toxics = toxicsBody.map((t) => {
    const toxic = parseToxic(t, { validation, where, exists: (n) => names.has(n) });
    names.add(toxic.name);
    return toxic;
  });
  return { name, listen, upstream, enabled, onUpstreamDown: policy, toxics };
}

/**
 * A listen address that is not host:port: Toxiproxy answers 500 with Go's
 * error (net.Listen's on create, net.ResolveTCPAddr's on update: `goOp` '');
 * --strict answers 400 naming the field.
 */
export function checkListen(listen: string, validation: Validation, where = '', goOp = 'listen tcp: '): void {
  const problem = hostPortProblem(listen);
  if (!problem) return;
  if (validation.strict) throw errors.badRequestBody.with(`listen${where}: ${problem}`);
  throw new ApiError(
    `${goOp}address ${listen}: ${listen.includes(':') ? 'invalid port' : 'missing port in address'}`,
    500,
  );
}

export class ProxyCollection {
  private readonly proxies = new Map<string, Proxy>();

  constructor(private readonly random: RandomSource) {}

  /** Sorted by name, as Go's JSON encoder orders GET /proxies. */
  all(): Proxy[] {
    return [...this.proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): Proxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw errors.proxyNotFound;
    return proxy;
  }

  private async build(input: ProxyInput): Promise<Proxy> {
    const proxy = new Proxy(input, this.random);
    for (const t of input.toxics) proxy.addToxic(t);
    if (input.enabled) await proxy.start();
    return proxy;
  }

  async add(input: ProxyInput): Promise<Proxy> {
    if (this.proxies.has(input.name)) throw errors.proxyAlreadyExists;
    const proxy = await this.build(input);
    if (this.proxies.has(input.name)) {
      proxy.stop();
      throw errors.proxyAlreadyExists;
    }
    this.proxies.set(input.name, proxy);
    return proxy;
  }

  /**
   * Toxiproxy's populate: validate every entry first, then add or replace
   * (an existing proxy with the same listen and upstream is kept). Beyond
   * Toxiproxy, a failure while applying undoes what this call created, so
   * populate is all-or-nothing.
   */
  async populate(body: unknown, validation: Validation = lenientSilently): Promise<Proxy[]> {
    const list = isObject(body) && Array.isArray(body.proxies) ? body.proxies : body;
    if (!Array.isArray(list)) throw errors.badRequestBody.with('expected a JSON array of proxies');
    const inputs = list.map((item, i) => parseProxyInput(item, ` at proxy ${i + 1}`, validation));
    const seen = new Set<string>();
    for (const input of inputs) {
      if (seen.has(input.name)) throw errors.badRequestBody.with(`duplicate proxy name "${input.name}"`);
      seen.add(input.name);
    }
    const created: Proxy[] = [];
    const replaced: { proxy: Proxy; wasEnabled: boolean }[] = [];
    const result: Proxy[] = [];
    try {
      for (const input of inputs) {
        const existing = this.proxies.get(input.name);
        if (existing && existing.listen === input.listen && existing.upstream === input.upstream) {
          if (input.toxics.length > 0) {
            existing.resetToxics();
            for (const t of input.toxics) existing.addToxic(t);
          }
          result.push(existing);
          continue;
        }
        if (existing) {
          // Stopped first so the replacement can bind the same address, as Toxiproxy's AddOrReplace does.
          replaced.push({ proxy: existing, wasEnabled: existing.enabled });
          existing.stop();
        }
        const proxy = await this.build(input);
        created.push(proxy);
        result.push(proxy);
      }
    } catch (err) {
      for (const p of created) p.stop();
      for (const r of replaced) if (r.wasEnabled) await r.proxy.start().catch(() => {});
      throw err;
    }
    for (const proxy of created) this.proxies.set(proxy.name, proxy);
    return result;
  }

  remove(name: string): void {
    const proxy = this.get(name);
    proxy.stop();
    this.proxies.delete(name);
  }

  /** POST /reset: every proxy enabled again, every toxic removed. */
  async reset(): Promise<void> {
    for (const proxy of this.proxies.values()) {
      proxy.resetToxics();
      await proxy.start();
    }
  }

  clear(): void {
    for (const name of [...this.proxies.keys()]) this.remove(name);
  }
}
