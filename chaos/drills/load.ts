import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import type { EngineSample } from '../../reports/index.ts';
import type { Observation } from './types.ts';

/**
 * The drill's own load: an open model (fixed arrival rate, latency measured
 * from the intended start) of cached reads (feed, trending) and writes
 * (POST /v1/posts with an Idempotency-Key; a retry after a dropped
 * connection or a 503 reuses the key). Idempotent reads are retried once on
 * a dropped connection, as HTTP clients do. Every acknowledged (2xx) write is
 * remembered for reconciliation.
 *
 * Written here rather than taken from scenarios/ because a drill needs each
 * request's outcome tied to its idempotency key and its time; when the
 * engine's runScenario (with onResponse) is available it can feed the same
 * Observation stream.
 */
export interface DrillLoadOptions {
  baseUrl: string;
  rate: number;
  writeFraction: number;
  /** Marker put in every post body so reconciliation finds this run's writes. */
  runId: string;
  users?: number;
  requestTimeoutMs?: number;
  maxInFlight?: number;
}

export interface AckedWrite {
  key: string;
  id: string | null;
  body: string;
}

export interface DrillLoad {
  readonly observations: Observation[];
  /** The generator's own health per second (asked vs started, event-loop lag, CPU), as the engine reports it. */
  readonly engine: EngineSample[];
  readonly acknowledged: Map<string, AckedWrite>;
  readonly attempts: { total: number; retried: number };
  stop(): Promise<void>;
}

interface Session {
  token: string;
  at: number;
}

/** Access tokens live 15 minutes by default; log in again well before. */
const SESSION_MAX_AGE_MS = 10 * 60_000;

const PASSWORD = 'drill-password-123!';

async function json(res: Awaited<ReturnType<typeof request>>): Promise<unknown> {
  const text = await res.body.text();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Sessions per target, kept for the process: drills in a row reuse their users instead of registering again. */
const sessionCache = new Map<string, Session[]>();

async function postJson(agent: Agent, url: string, body: unknown): Promise<{ status: number; payload: unknown }> {
  for (let attempt = 0; ; attempt++) {
    const res = await request(url, { dispatcher: agent, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const payload = await json(res);
    const wait = Number(res.headers['retry-after']);
    // Anonymous routes are limited per IP: wait as told (bounded) rather than fail the drill.
    if (res.statusCode === 429 && attempt < 2 && wait > 0 && wait <= 65) {
      await new Promise((r) => setTimeout(r, wait * 1000));
      continue;
    }
    return { status: res.statusCode, payload };
  }
}

/**
 * `count` logged-in users: the same accounts every run (drill-user-N), logged
 * in first and registered only when missing, so repeated drills do not pile
 * up registrations against the per-IP limit.
 */
async function setupUsers(agent: Agent, baseUrl: string, count: number): Promise<Session[]> {
  const sessions = (sessionCache.get(baseUrl) ?? []).filter((s) => Date.now() - s.at < SESSION_MAX_AGE_MS);
  for (let i = sessions.length; i < count; i++) {
    const email = `drill-user-${i}@example.test`;
    let login = await postJson(agent, `${baseUrl}/v1/auth/login`, { email, password: PASSWORD });
    if (login.status === 401) {
      const reg = await postJson(agent, `${baseUrl}/v1/auth/register`, { email, password: PASSWORD, handle: `drilluser${i}` });
      if (reg.status !== 201 && reg.status !== 409) throw new Error(`registering a drill user answered ${reg.status}`);
      login = await postJson(agent, `${baseUrl}/v1/auth/login`, { email, password: PASSWORD });
    }
    const token = (login.payload as { accessToken?: string } | undefined)?.accessToken;
    if (login.status !== 200 || !token) throw new Error(`logging a drill user in answered ${login.status}`);
    sessions.push({ token, at: Date.now() });
    sessionCache.set(baseUrl, sessions);
  }
  return sessions.slice(0, count);
}

export async function startDrillLoad(options: DrillLoadOptions): Promise<DrillLoad> {
  const timeoutMs = options.requestTimeoutMs ?? 5000;
  const agent = new Agent({ connections: 64, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 10_000 });
  // Enough users that each stays well under a 100 requests/minute per-user limit.
  const users = options.users ?? Math.max(10, Math.ceil((options.rate * 60) / 50));
  const sessions = await setupUsers(agent, options.baseUrl, users);
  const observations: Observation[] = [];
  const acknowledged = new Map<string, AckedWrite>();
  const attempts = { total: 0, retried: 0 };
  const inFlight = new Set<Promise<void>>();
  let seq = 0;
  let stopped = false;

  const attempt = async (method: 'GET' | 'POST', path: string, token: string, body?: string, key?: string) => {
    attempts.total += 1;
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body) headers['content-type'] = 'application/json';
    if (key) headers['idempotency-key'] = key;
    try {
      const res = await request(`${options.baseUrl}${path}`, { dispatcher: agent, method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      const payload = (await json(res)) as { id?: string } | undefined;
      return { status: res.statusCode, retryAfter: res.headers['retry-after'] !== undefined, payload, timedOut: false };
    } catch (err) {
      const code = (err as { code?: string; name?: string }).code ?? (err as Error).name;
      const timedOut = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'TimeoutError' || code === 'AbortError' || code === 'UND_ERR_ABORTED';
      return { status: 0, retryAfter: false, payload: undefined, timedOut };
    }
  };

  const one = async (intended: number) => {
    const n = seq++;
    const session = sessions[n % sessions.length]!;
    const isWrite = (n * 0.618034) % 1 < options.writeFraction;
    const startedAt = Date.now() - (performance.now() - intended);
    let result: Awaited<ReturnType<typeof attempt>>;
    let tries = 0;
    let name: string;
    if (isWrite) {
      name = 'POST /v1/posts';
      const key = randomUUID();
      const text = `drill ${options.runId} ${key}`;
      const body = JSON.stringify({ body: text });
      for (;;) {
        tries += 1;
        result = await attempt('POST', '/v1/posts', session.token, body, key);
        const retriable = (result.status === 0 && !result.timedOut) || result.status === 502 || result.status === 503;
        if (!retriable || tries >= 3 || stopped) break;
        attempts.retried += 1;
        await new Promise((r) => setTimeout(r, 100 * 2 ** tries));
      }
      if (result.status >= 200 && result.status < 300) acknowledged.set(key, { key, id: result.payload?.id ?? null, body: text });
    } else {
      name = n % 2 === 0 ? 'GET /v1/feed' : 'GET /v1/trending';
      const path = n % 2 === 0 ? '/v1/feed?limit=20' : '/v1/trending';
      for (;;) {
        tries += 1;
        result = await attempt('GET', path, session.token);
        if (!(result.status === 0 && !result.timedOut) || tries >= 2 || stopped) break;
        attempts.retried += 1;
      }
    }
    observations.push({
      ts: startedAt, tag: isWrite ? 'write' : 'read', name, status: result.status,
      latencyMs: performance.now() - intended, timedOut: result.timedOut, retryAfter: result.retryAfter, attempts: tries,
    });
  };

  // Generator health, once a second: a drill whose generator stalls says so instead of blaming the target.
  const engine: EngineSample[] = [];
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let startedThisSecond = 0;
  let cpuMark = process.cpuUsage();
  let wallMark = performance.now();
  const health = setInterval(() => {
    const cpu = process.cpuUsage(cpuMark);
    const wall = performance.now() - wallMark;
    engine.push({
      ts: Math.floor(Date.now() / 1000) * 1000 - 1000, scenario: `drill:${options.runId}`, targetRate: options.rate,
      started: startedThisSecond, vus: null, loopLagP99Ms: lag.percentile(99) / 1e6, cpu: (cpu.user + cpu.system) / 1000 / wall,
    });
    startedThisSecond = 0;
    lag.reset();
    cpuMark = process.cpuUsage();
    wallMark = performance.now();
  }, 1000);

  const interval = 1000 / options.rate;
  let next = performance.now();
  const maxInFlight = options.maxInFlight ?? 256;
  const timer = setInterval(() => {
    const now = performance.now();
    while (!stopped && next <= now) {
      const intended = next;
      next += interval;
      if (inFlight.size >= maxInFlight) {
        observations.push({ ts: Date.now(), tag: 'read', name: 'dropped', status: 0, latencyMs: 0, timedOut: true, retryAfter: false, attempts: 0 });
        continue;
      }
      startedThisSecond += 1;
      const p = one(intended).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, 5);

  return {
    observations,
    engine,
    acknowledged,
    attempts,
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearInterval(health);
      lag.disable();
      await Promise.allSettled([...inFlight]);
      await agent.close();
    },
  };
}
