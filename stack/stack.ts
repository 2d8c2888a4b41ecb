import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError, InterruptedError, assertPortFree, getFreePort, type EnvConfig } from '../common/index.ts';
import { openComponentLog } from './component-log.ts';
import { NotControllableError, proxyControl, serverControl, workerControl, type StackComponent } from './control.ts';
import { startManagedDependencies, type Dependencies } from './dependencies.ts';
import { FaultProxy, viaListen } from './fault-proxy.ts';
import { parseLbKind, startLoadBalancer, type LbKind, type StartedLoadBalancer } from './load-balancer.ts';
import { removeStackState, writeStackState, type StackState } from './state-file.ts';
import { defaultSupervision, superviseInstances, type SupervisionEvent, type SupervisionPolicy } from './supervisor.ts';
import { TargetProcess } from './target-process.ts';
import { writeSelfSignedCert, type SelfSignedFiles } from './tls.ts';
import type { ExitInfo, ProcessControl } from './types.ts';

export interface StackOptions {
  workers?: number;
  provider?: 'managed' | 'docker';
  env: EnvConfig;
  targetPort?: number;
  /** Put the fault proxy on the target→PG and target→Redis paths (default true). */
  proxy?: boolean;
  tls?: boolean;
  seed?: { users: number; posts: number };
  /** Extra environment for the target (e.g. { REDIS_FALLBACK: 'off' }). */
  targetEnv?: Record<string, string>;
  /** Where stack.json goes (default .rampart); null writes none (tests running several stacks). */
  stateDir?: string | null;
  /**
   * rampart's own lines about the stack (a crash, seeding); also the children's
   * output unless `componentLogFile` is given.
   */
  log?: (line: string) => void;
  /** Append the children's output (PostgreSQL, Redis, proxy, target) to this file instead of `log`. */
  componentLogFile?: string;
  signal?: AbortSignal;
  /** Environment the target inherits (PATH, NODE_OPTIONS...); default process.env. */
  baseEnv?: NodeJS.ProcessEnv;
  /**
   * Scale out: start `instances` target clusters (each with `workers` workers, on its own
   * loopback port) behind this load balancer, which listens on the target port. See load-balancer.ts.
   */
  lb?: LbKind;
  /** Target instances behind `lb` (default 2 with `lb`; more than 1 needs `lb`). */
  instances?: number;
  /** How instances behind `lb` are restarted after a crash (stack/supervisor.ts); false leaves a dead instance down. */
  supervision?: SupervisionPolicy | false;
}

export interface StartedStack {
  targetUrl: string;
  postgresUrl: string;
  redisUrl: string;
  proxyUrl: string | null;
  proxies: { postgres: string; redis: string } | null;
  pids: Record<string, number | number[]>;
  /** PEM of the self-signed certificate when started with tls (clients trust it as CA). */
  tlsCert: string | null;
  /** The instances' own URLs behind the load balancer (one entry, equal to targetUrl, without one). */
  instanceUrls: string[];
  /** The load balancer in front of the instances, or null. */
  lb: { kind: LbKind; configFile: string; pid: number } | null;
  /** Where stack.json was written, or null. */
  stateFile: string | null;
  /** The file the children's output goes to, or null when it goes to `log`. */
  componentLogFile: string | null;
  control(component: StackComponent): ProcessControl;
  onCrash(cb: (info: ExitInfo) => void): void;
  /** Restarts of crashed instances behind the balancer, and instances given up after a crash loop. */
  onSupervision(cb: (e: SupervisionEvent) => void): void;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function checkOptions(opts: StackOptions): { workers: number; instances: number } {
  const workers = opts.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new InputError(
      'RAMPART_STACK_WORKERS_INVALID',
      `workers: ${opts.workers} is not a whole number from 1 to 64`,
    );
  }
  if (
    opts.targetPort !== undefined &&
    (!Number.isInteger(opts.targetPort) || opts.targetPort < 0 || opts.targetPort > 65535)
  ) {
    throw new InputError('RAMPART_STACK_PORT_INVALID', `targetPort: ${opts.targetPort} is not a port number (0-65535)`);
  }
  if (opts.lb !== undefined) parseLbKind(opts.lb);
  const instances = opts.instances ?? (opts.lb ? 2 : 1);
  if (!Number.isInteger(instances) || instances < 1 || instances > 16) {
    throw new InputError(
      'RAMPART_STACK_INSTANCES_INVALID',
      `instances: ${opts.instances} is not a whole number from 1 to 16`,
      { hint: 'e.g. 2 instances behind nginx' },
    );
  }
  if (instances > 1 && !opts.lb) {
    throw new InputError(
      'RAMPART_STACK_INSTANCES_INVALID',
      `instances: ${instances} target instances need a load balancer in front of them`,
      { hint: 'put a load balancer in front of them (lb: nginx; on the command line --lb nginx)' },
    );
  }
  return { workers, instances };
}

/** Free loopback ports, distinct from each other and from `taken`. */
async function freePorts(host: string, n: number, taken: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) {
    const p = await getFreePort(host);
    if (p !== taken) ports.add(p);
  }
  return [...ports];
}

async function startDependencies(opts: StackOptions, log: StackOptions['log']): Promise<Dependencies> {
  if (opts.provider === 'docker') {
    const { startDockerDependencies } = await import('./docker-provider.ts');
    return startDockerDependencies(opts.env, { proxy: opts.proxy !== false, log });
  }
  return startManagedDependencies(opts.env, log);
}

type Log = StackOptions['log'];

/**
 * What startStack's phases share: the options, where rampart's lines go, the crash and supervision listeners,
 * and what to stop (last first) when a later phase fails or the stack is stopped.
 */
interface StackStart {
  opts: StackOptions;
  workers: number;
  instances: number;
  log: Log;
  /** Set once the component log is open: crash lines point at it. */
  componentLogFile: string | undefined;
  crashListeners: Array<(info: ExitInfo) => void>;
  supervisionListeners: Array<(e: SupervisionEvent) => void>;
  cleanups: Array<() => Promise<void>>;
  report: (info: ExitInfo) => void;
}

/** The component log and the stack's temp dir. */
interface StackFiles {
  /** The children's output: the component log, else `log`. */
  childLog: Log;
  tmp: string;
}

/** PostgreSQL, Redis (or the containers) and the fault proxy process. */
interface StackServices {
  deps: Dependencies;
  proxy: FaultProxy | undefined;
}

/** The URLs the target reaches PostgreSQL and Redis at: through the proxy when there is one. */
interface TargetPaths {
  targetDb: string;
  targetRedis: string;
  proxyUrl: string | null;
  proxyListen: StackState['proxyListen'];
}

interface StackTargets {
  targets: TargetProcess[];
  target: TargetProcess;
  /** Instances down since their last crash (a restart takes one out). */
  crashed: Set<number>;
  port: number;
  tls: SelfSignedFiles | undefined;
}

interface StackStateFile {
  state: StackState;
  stateDir: string | null;
  stateFile: string | null;
  pids: () => Record<string, number | number[]>;
}

const HOST = '127.0.0.1';

/**
 * Starts PostgreSQL, Redis, the fault proxy and the target cluster; see docs/stack.md. Phases in order (an abort
 * is checked at the start and after each phase that starts or wires processes, up to the seeding); a phase that
 * fails stops what the earlier ones started, last first.
 */
export async function startStack(opts: StackOptions): Promise<StartedStack> {
  const { workers, instances } = checkOptions(opts);
  if (opts.targetPort) await assertPortFree(HOST, opts.targetPort);
  const s = stackStart(opts, workers, instances);
  const checkAbort = () => {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new InterruptedError();
  };
  try {
    checkAbort();
    const files = await openFiles(s);
    const services = await startServices(s, files);
    checkAbort();
    const paths = await routeThroughProxy(services);
    checkAbort();
    const targets = await startTargets(s, files, paths);
    checkAbort();
    const lb = await startBalancer(s, files, targets);
    checkAbort();
    await seed(s, files, services);
    const state = await writeState(s, services, paths, targets, lb);
    if (lb) supervise(s, targets, state);
    return startedStack(s, services, paths, targets, lb, state);
  } catch (err) {
    await stopAll(s);
    throw err;
  }
}

function stackStart(opts: StackOptions, workers: number, instances: number): StackStart {
  const s: StackStart = {
    opts,
    workers,
    instances,
    log: opts.log,
    componentLogFile: undefined,
    crashListeners: [],
    supervisionListeners: [],
    cleanups: [],
    report: (info) => {
      const line = `rampart stack: ${info.component} (pid ${info.pid}) exited unexpectedly (code ${info.code}, signal ${info.signal})${s.componentLogFile ? `; its output is in ${s.componentLogFile}` : ''}`;
      say(s, line);
      for (const cb of s.crashListeners) cb(info);
    },
  };
  return s;
}

/** A line about the stack: to `log`, else stderr. */
function say(s: StackStart, line: string): void {
  if (s.log) s.log(line);
  else process.stderr.write(`${line}\n`);
}

/** Runs the cleanups last-first; one that fails is logged and the others still run. */
async function stopAll(s: StackStart): Promise<void> {
  for (const fn of s.cleanups.splice(0).reverse())
    await fn().catch((err: unknown) => s.log?.(`rampart stack: stop failed: ${(err as Error).message}`));
}

async function openFiles(s: StackStart): Promise<StackFiles> {
  const componentLog = s.opts.componentLogFile ? await openComponentLog(s.opts.componentLogFile) : undefined;
  if (componentLog) s.cleanups.push(() => componentLog.close());
  s.componentLogFile = componentLog?.file;
  const childLog = componentLog ? (line: string) => componentLog.write(line) : s.log;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'rampart-stack-'));
  s.cleanups.push(() => rm(tmp, { recursive: true, force: true }));
  return { childLog, tmp };
}

/** The proxy process starts while PostgreSQL and Redis do; its proxies are created once they are up. */
async function startServices(s: StackStart, { childLog }: StackFiles): Promise<StackServices> {
  const { opts } = s;
  const wantProxy = opts.proxy !== false && opts.provider !== 'docker';
  const proxy = wantProxy ? new FaultProxy(childLog) : undefined;
  if (proxy) s.cleanups.push(() => proxy.stop());
  const [depsResult, proxyResult] = await Promise.allSettled([
    startDependencies(opts, childLog),
    proxy?.startProcess(),
  ]);
  if (depsResult.status === 'fulfilled') s.cleanups.push(() => depsResult.value.stop());
  if (depsResult.status === 'rejected') throw depsResult.reason;
  if (proxyResult.status === 'rejected') throw proxyResult.reason;
  const deps = depsResult.value;
  deps.postgres?.onExit(s.report);
  deps.redis?.onExit(s.report);
  proxy?.onExit(s.report);
  return { deps, proxy };
}

async function routeThroughProxy({ deps, proxy }: StackServices): Promise<TargetPaths> {
  if (deps.toxiproxy) {
    return {
      proxyUrl: deps.toxiproxy.url,
      targetDb: deps.toxiproxy.postgresUrl,
      targetRedis: deps.toxiproxy.redisUrl,
      proxyListen: null,
    };
  }
  if (proxy) {
    await proxy.createProxies({ postgres: deps.postgresUrl, redis: deps.redisUrl });
    const proxyListen = { postgres: proxy.listen('postgres'), redis: proxy.listen('redis') };
    return {
      proxyUrl: proxy.url,
      proxyListen,
      targetDb: viaListen(deps.postgresUrl, proxyListen.postgres),
      targetRedis: viaListen(deps.redisUrl, proxyListen.redis),
    };
  }
  return { targetDb: deps.postgresUrl, targetRedis: deps.redisUrl, proxyUrl: null, proxyListen: null };
}

async function startTargets(s: StackStart, { childLog, tmp }: StackFiles, paths: TargetPaths): Promise<StackTargets> {
  const { opts, workers } = s;
  const tls = opts.tls ? await writeSelfSignedCert(tmp) : undefined;
  const port = opts.targetPort || (await getFreePort(HOST));
  const lbKind = opts.lb;
  // Behind a balancer each instance gets its own port, speaks plain HTTP (the balancer terminates TLS)
  // and all share one JWT secret, so a token issued by one instance is honoured by the others.
  const instancePorts = lbKind ? await freePorts(HOST, s.instances, port) : [port];
  const baseEnv = opts.baseEnv ?? process.env;
  const sharedSecret =
    lbKind && !baseEnv.JWT_SECRET && !opts.targetEnv?.JWT_SECRET ? { JWT_SECRET: randomBytes(32).toString('hex') } : {};
  const instanceTls = lbKind ? undefined : tls;
  const targets = instancePorts.map(
    (instancePort, i) =>
      new TargetProcess({
        host: HOST,
        port: instancePort,
        workers,
        ca: instanceTls?.cert,
        log: childLog,
        env: {
          ...baseEnv,
          HOST,
          PORT: String(instancePort),
          WORKERS: String(workers),
          DATABASE_URL: paths.targetDb,
          REDIS_URL: paths.targetRedis,
          LOG_LEVEL: 'warn',
          ...sharedSecret,
          ...(lbKind ? { INSTANCE_ID: String(i + 1) } : {}),
          ...(instanceTls
            ? { TLS_CERT_FILE: instanceTls.certFile, TLS_KEY_FILE: instanceTls.keyFile }
            : { TLS_CERT_FILE: '', TLS_KEY_FILE: '' }),
          ...opts.targetEnv,
        },
      }),
  );
  const target = targets[0] as TargetProcess;
  s.cleanups.push(async () => void (await Promise.all(targets.map((t) => t.stop()))));
  const crashed = new Set<number>();
  for (const [i, t] of targets.entries()) {
    t.onExit((info) => {
      if (info.component === 'target') crashed.add(i);
      // Behind a balancer one instance's death is survived (the others serve); the last one's is the target's.
      if (info.component !== 'target' || crashed.size === targets.length) s.report(info);
      else s.report({ ...info, component: `target instance ${i + 1}` });
    });
  }
  // In parallel: migrations run under an advisory lock, so the instances take turns at them.
  const started = await Promise.allSettled(targets.map((t) => t.start()));
  const failedStart = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failedStart) throw failedStart.reason;
  return { targets, target, crashed, port, tls };
}

async function startBalancer(
  s: StackStart,
  { childLog, tmp }: StackFiles,
  { targets, port, tls }: StackTargets,
): Promise<StartedLoadBalancer | undefined> {
  const { opts } = s;
  const lbKind = opts.lb;
  if (!lbKind) return undefined;
  // The config, pid file and temp dirs go to the state dir (<state-dir>/nginx), or the stack's temp dir without one.
  const stateDirOpt = opts.stateDir === undefined ? '.rampart' : opts.stateDir;
  const lbDir = path.join(stateDirOpt === null ? tmp : path.resolve(stateDirOpt), lbKind);
  const lb = await startLoadBalancer({
    kind: lbKind,
    host: HOST,
    port,
    upstreams: targets.map((t) => new URL(t.url).host),
    dir: lbDir,
    ...(tls ? { tls: { certFile: tls.certFile, keyFile: tls.keyFile, cert: tls.cert } } : {}),
    log: childLog,
  });
  s.cleanups.push(() => lb.stop());
  lb.onExit(s.report);
  return lb;
}

/** Seeded directly (not through the proxy), after the target has run its migrations. */
async function seed(s: StackStart, { childLog }: StackFiles, { deps }: StackServices): Promise<void> {
  const counts = s.opts.seed;
  if (!counts || !(counts.users > 0 || counts.posts > 0)) return;
  const { seedTarget } = await import('./seed.ts');
  const result = await seedTarget(deps.postgresUrl, counts, childLog);
  s.log?.(`rampart stack: seeded ${result.users} users and ${result.posts} posts in ${Math.round(result.ms)} ms`);
}

async function writeState(
  s: StackStart,
  { deps, proxy }: StackServices,
  { proxyUrl, proxyListen }: TargetPaths,
  { targets, target, tls }: StackTargets,
  lb: StartedLoadBalancer | undefined,
): Promise<StackStateFile> {
  const pids = (): Record<string, number | number[]> => ({
    stack: process.pid,
    ...(deps.postgres ? { postgres: deps.postgres.pid } : {}),
    ...(deps.redis ? { redis: deps.redis.pid } : {}),
    ...(proxy ? { proxy: proxy.pid } : {}),
    ...(lb ? { lb: lb.pid, target: targets.map((t) => t.pid) } : { target: target.pid }),
    workers: targets.flatMap((t) => t.workerPids),
  });
  const stateDir = s.opts.stateDir === undefined ? '.rampart' : s.opts.stateDir;
  const state: StackState = {
    target: lb ? lb.url : target.url,
    postgres: deps.postgresUrl,
    redis: deps.redisUrl,
    proxy: proxyUrl,
    pids: pids(),
    proxies: proxyUrl ? { postgres: 'postgres', redis: 'redis' } : null,
    proxyListen,
    provider: deps.provider,
    workers: s.workers,
    tls: tls ? { certFile: tls.certFile } : null,
    ...(lb ? { lb: { kind: lb.kind, configFile: lb.configFile, instances: targets.map((t) => t.url) } } : {}),
    startedAt: new Date().toISOString(),
  };
  const stateFile = stateDir === null ? null : await writeStackState(stateDir, state);
  if (stateDir !== null) s.cleanups.push(() => removeStackState(stateDir, process.pid));
  return { state, stateDir, stateFile, pids };
}

/** Behind a balancer, a crashed instance is started again (with backoff; left down after a crash loop). */
function supervise(s: StackStart, { targets, crashed }: StackTargets, { state, stateDir, pids }: StackStateFile): void {
  const { opts } = s;
  if (opts.supervision === false) return;
  const supervisor = superviseInstances(
    targets,
    (e) => {
      if (e.type === 'instance.restarted') crashed.delete(e.instance - 1);
      say(
        s,
        e.type === 'instance.restarted'
          ? `rampart stack: target instance ${e.instance} restarted (pid ${e.previousPid} → ${e.pid}; restart ${e.restarts})`
          : e.type === 'instance.given-up'
            ? `rampart stack: target instance ${e.instance} crashed ${e.crashes} times within ${(opts.supervision || defaultSupervision).windowMs / 1000} s: left down (the others serve)`
            : `rampart stack: target instance ${e.instance} did not restart: ${e.error}`,
      );
      state.pids = pids();
      state.supervision = { restarts: { ...supervisor.restarts }, givenUp: [...supervisor.givenUp] };
      if (stateDir !== null) void writeStackState(stateDir, state).catch(() => undefined);
      for (const cb of s.supervisionListeners) cb(e);
    },
    opts.supervision ?? defaultSupervision,
  );
  // Cleanups run last-first: supervision ends before any instance is stopped, so none is restarted while stopping.
  s.cleanups.push(async () => supervisor.stop());
}

/** The handle on the started stack: its URLs, pids, controls, listeners and stop. */
function startedStack(
  s: StackStart,
  { deps, proxy }: StackServices,
  { proxyUrl }: TargetPaths,
  { targets, target, tls }: StackTargets,
  lb: StartedLoadBalancer | undefined,
  { state, stateFile, pids }: StackStateFile,
): StartedStack {
  const controls: Partial<Record<StackComponent, ProcessControl>> = {
    worker: workerControl(target, s.workers),
    ...(deps.postgres ? { postgres: serverControl(deps.postgres) } : {}),
    ...(deps.redis ? { redis: serverControl(deps.redis) } : {}),
    ...(proxy ? { proxy: proxyControl(proxy) } : {}),
  };
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= stopAll(s);
    return stopped;
  };
  return {
    targetUrl: lb ? lb.url : target.url,
    postgresUrl: deps.postgresUrl,
    redisUrl: deps.redisUrl,
    proxyUrl,
    proxies: state.proxies ?? null,
    get pids() {
      return pids();
    },
    tlsCert: tls?.cert ?? null,
    instanceUrls: targets.map((t) => t.url),
    lb: lb
      ? {
          kind: lb.kind,
          configFile: lb.configFile,
          get pid() {
            return lb.pid;
          },
        }
      : null,
    stateFile,
    componentLogFile: s.componentLogFile ?? null,
    control(component) {
      const c = controls[component];
      if (c) return c;
      if (!['postgres', 'redis', 'worker', 'proxy'].includes(component))
        throw new InputError(
          'RAMPART_UNKNOWN_COMPONENT',
          `unknown component "${component}" (postgres, redis, worker, proxy)`,
        );
      throw new NotControllableError(
        component,
        component === 'proxy'
          ? 'this stack runs without the fault proxy'
          : `this stack did not start ${component} (${deps.provider === 'docker' ? 'it runs in a container' : 'an external URL was given'})`,
      );
    },
    onCrash: (cb) => void s.crashListeners.push(cb),
    onSupervision: (cb) => void s.supervisionListeners.push(cb),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
