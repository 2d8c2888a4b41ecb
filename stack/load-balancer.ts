import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError, InputError } from '../common/index.ts';
import { forTargetReady } from './readiness.ts';
import { ServerProcess, startedServer } from './server-process.ts';
import type { StartedServer } from './types.ts';

/**
 * The load balancer of a scaled-out stack (`--lb nginx --instances N`): nginx
 * from the distribution, run in the foreground by stack/ like PostgreSQL and
 * Redis (own process group, dies with us), with a config generated into the
 * stack's state directory. Retry policy (docs/stack.md, "Scale out"):
 * - a request that never reached an instance (connection refused/reset before
 *   sending) goes to the next instance, whatever its method;
 * - an idempotent request (GET, HEAD, PUT, DELETE...) that failed on the way
 *   (error, timeout, 502, 503) is retried on the next instance;
 * - a POST/PATCH that was sent is retried only when it carries an
 *   Idempotency-Key: the target records the key in PostgreSQL inside the
 *   request's transaction, so a retry either replays the stored answer or runs
 *   the request once (the first attempt rolled back with its instance). A POST
 *   without a key is not retried: the client gets the 502 and decides, because
 *   the instance may have applied it before it died.
 */
export const lbKinds = ['nginx', 'haproxy'] as const;
export type LbKind = (typeof lbKinds)[number];

export interface LoadBalancerOptions {
  kind: LbKind;
  host: string;
  /** Port the balancer listens on (the stack's target port). */
  port: number;
  /** The instances, as host:port. */
  upstreams: string[];
  /** Where nginx.conf, the pid file and the temp dirs go (created). */
  dir: string;
  /** Terminate TLS at the balancer with this certificate (the instances speak plain HTTP behind it). */
  tls?: { certFile: string; keyFile: string; cert: string };
  /** HAProxy only: certificate and key in one PEM file (written by startLoadBalancer). */
  pemFile?: string;
  log?: (line: string) => void;
  /** Where to look for nginx (default: PATH, then /usr/sbin, /sbin and /usr/local/sbin). */
  searchPath?: string;
}

export class LbMissingError extends EnvironmentError {
  constructor(kind: LbKind) {
    super('RAMPART_LB_MISSING', `${kind} was not found on PATH, /usr/sbin or /sbin`, {
      hint:
        kind === 'nginx'
          ? 'install it: `apt-get install nginx-light` (Debian/Ubuntu), `brew install nginx` (macOS)'
          : 'install it: `apt-get install haproxy` (Debian/Ubuntu), `brew install haproxy` (macOS)',
    });
  }
}

export function parseLbKind(value: string): LbKind {
  if ((lbKinds as readonly string[]).includes(value)) return value as LbKind;
  throw new InputError(
    'RAMPART_STACK_LB_INVALID',
    `"${value}" is not a load balancer rampart can run (${lbKinds.join(', ')})`,
    {
      hint: 'use nginx (the Debian package nginx-light) or haproxy',
    },
  );
}

/** The balancer's binary: on `searchPath` when given, else on PATH and in the sbin directories (often not on a user's PATH). */
export function findLb(kind: LbKind, searchPath?: string): string {
  const dirs =
    searchPath !== undefined
      ? searchPath.split(path.delimiter)
      : (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/sbin', '/sbin', '/usr/local/sbin']);
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, kind);
    if (existsSync(candidate)) return candidate;
  }
  throw new LbMissingError(kind);
}

const q = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

/** The nginx configuration of a stack's balancer (pure; tested with `nginx -t`). */
export function nginxConfig(o: Pick<LoadBalancerOptions, 'host' | 'port' | 'upstreams' | 'dir' | 'tls'>): string {
  if (o.upstreams.length === 0) throw new Error('nginxConfig: no upstreams');
  const tmp = (name: string) => q(path.join(o.dir, 'tmp', name));
  // Every attempt may go to another instance; all of them is the most that can help.
  const tries = o.upstreams.length;
  const proxy = (nonIdempotent: boolean) => [
    '      proxy_pass http://rampart_instances;',
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '      proxy_set_header Host $http_host;',
    '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '      proxy_set_header X-Forwarded-Proto $scheme;',
    `      proxy_next_upstream error timeout http_502 http_503${nonIdempotent ? ' non_idempotent' : ''};`,
    `      proxy_next_upstream_tries ${tries};`,
    '      proxy_next_upstream_timeout 15s;',
    '      proxy_connect_timeout 2s;',
    '      proxy_send_timeout 60s;',
    '      proxy_read_timeout 60s;',
    '      proxy_buffering on;',
    // Which instance(s) answered, in order of attempts (a retried request lists two): loopback only, for tests and debugging.
    '      add_header X-Rampart-Upstream $upstream_addr always;',
  ];
  return [
    '# Generated by rampart (stack/load-balancer.ts) for one stack; rewritten at every start.',
    'daemon off;',
    'master_process on;',
    // The instances do the work; one nginx worker proxies tens of thousands of req/s.
    'worker_processes 1;',
    `pid ${q(path.join(o.dir, 'nginx.pid'))};`,
    'error_log stderr warn;',
    'events { worker_connections 8192; }',
    'http {',
    '  access_log off;',
    '  server_tokens off;',
    `  client_body_temp_path ${tmp('client_body')};`,
    `  proxy_temp_path ${tmp('proxy')};`,
    `  fastcgi_temp_path ${tmp('fastcgi')};`,
    `  uwsgi_temp_path ${tmp('uwsgi')};`,
    `  scgi_temp_path ${tmp('scgi')};`,
    '  client_max_body_size 2m;',
    '  upstream rampart_instances {',
    // One failure takes an instance out for 2 s, then one request probes it again.
    ...o.upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=2s;`),
    '    keepalive 64;',
    // Below the target's own idle timeout (KEEP_ALIVE_TIMEOUT, 65 s), so nginx closes an idle connection first.
    '    keepalive_timeout 60s;',
    '  }',
    '  server {',
    `    listen ${o.host}:${o.port}${o.tls ? ' ssl' : ''};`,
    ...(o.tls ? [`    ssl_certificate ${q(o.tls.certFile)};`, `    ssl_certificate_key ${q(o.tls.keyFile)};`] : []),
    '    location / {',
    // A request with an Idempotency-Key is handled in @keyed, where a sent POST may be retried too.
    '      error_page 418 = @keyed;',
    '      if ($http_idempotency_key) { return 418; }',
    ...proxy(false),
    '    }',
    '    location @keyed {',
    ...proxy(true),
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * The HAProxy configuration of a stack's balancer (pure; tested with `haproxy -c`): the same policy as
 * nginx's. Every retry goes to another instance (`option redispatch 1`); a POST/PATCH is retried after a
 * connection failure only (L7 retries disabled for it) unless it carries an Idempotency-Key.
 */
export function haproxyConfig(o: Pick<LoadBalancerOptions, 'host' | 'port' | 'upstreams' | 'pemFile'>): string {
  if (o.upstreams.length === 0) throw new Error('haproxyConfig: no upstreams');
  return [
    '# Generated by rampart (stack/load-balancer.ts) for one stack; rewritten at every start.',
    'global',
    '  maxconn 8192',
    'defaults',
    '  mode http',
    '  maxconn 8192',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // Idle keep-alive connections: below the target's own idle timeout (65 s).
    '  timeout http-keep-alive 60s',
    `  retries ${Math.max(1, o.upstreams.length - 1)}`,
    '  option redispatch 1',
    '  retry-on conn-failure empty-response response-timeout 502 503',
    'frontend rampart',
    `  bind ${o.host}:${o.port}${o.pemFile ? ` ssl crt ${o.pemFile}` : ''}`,
    '  default_backend rampart_instances',
    'backend rampart_instances',
    '  balance roundrobin',
    '  http-request disable-l7-retry if { method POST PATCH } !{ req.hdr(idempotency-key) -m found }',
    '  http-response set-header X-Rampart-Upstream %[srv_name]',
    // A failed health check (TCP connect every second) takes an instance out until it answers twice.
    '  default-server check inter 1s fall 1 rise 2',
    ...o.upstreams.map((u) => `  server ${u} ${u}`),
    '',
  ].join('\n');
}

export interface StartedLoadBalancer extends StartedServer {
  readonly kind: LbKind;
  /** The generated configuration file. */
  readonly configFile: string;
}

/** Writes the configuration into `dir`, starts the balancer in the foreground and waits until /readyz answers 200 through it. */
export async function startLoadBalancer(o: LoadBalancerOptions): Promise<StartedLoadBalancer> {
  const binary = findLb(o.kind, o.searchPath);
  await mkdir(path.join(o.dir, 'tmp'), { recursive: true });
  let configFile: string;
  let args: string[];
  if (o.kind === 'haproxy') {
    configFile = path.join(o.dir, 'haproxy.cfg');
    let pemFile: string | undefined;
    if (o.tls) {
      pemFile = path.join(o.dir, 'haproxy.pem');
      const { readFile } = await import('node:fs/promises');
      await writeFile(pemFile, `${o.tls.cert.trim()}\n${(await readFile(o.tls.keyFile, 'utf8')).trim()}\n`, {
        mode: 0o600,
      });
    }
    await writeFile(configFile, haproxyConfig({ ...o, ...(pemFile ? { pemFile } : {}) }));
    // -db: foreground, no daemon, alerts on stderr.
    args = ['-db', '-f', configFile];
  } else {
    configFile = path.join(o.dir, 'nginx.conf');
    await writeFile(configFile, nginxConfig(o));
    // -p: relative paths and the default error log resolve inside dir, never under /var; -e: errors before the config is read.
    args = ['-p', o.dir, '-c', configFile, '-e', 'stderr'];
  }
  const scheme = o.tls ? 'https' : 'http';
  const url = `${scheme}://${o.host}:${o.port}`;
  const server = new ServerProcess({
    component: 'lb',
    command: binary,
    args,
    spawn: { deathSignal: 'SIGTERM' },
    // SIGTERM: nginx's fast shutdown (workers closed at once), HAProxy's hard stop; the stack is going away.
    stopSignal: 'SIGTERM',
    ready: forTargetReady(`${url}/readyz`, o.tls?.cert),
    readyTimeoutMs: 30_000,
    log: o.log,
  });
  await server.start();
  return Object.assign(startedServer(server, url, o.port), { kind: o.kind, configFile });
}
