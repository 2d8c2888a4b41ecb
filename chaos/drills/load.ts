import { Agent, request } from 'undici';
import type { EngineSample, Sample, ScenarioSummary } from '../../reports/index.ts';
import { parseScenario, runScenario, type ResponseInfo, type Scenario } from '../../scenarios/index.ts';
import type { Observation } from './types.ts';

/**
 * The drill's load, run by the project's load engine (scenarios/ runScenario):
 * an open model (constant arrival rate, latency from the intended start) of
 * cached reads (feed, trending) and writes (POST /v1/posts with an
 * Idempotency-Key). The engine's step retry re-sends the same rendered
 * request: a write after a dropped connection, a timeout or a 502/503 keeps
 * its key, an idempotent read is retried once after a dropped connection or a
 * timeout, as HTTP clients do. Each response becomes one Observation (retries
 * are inside it; it counts as hung only when its last attempt was); every
 * acknowledged (2xx) write is remembered for reconciliation. Samples and the
 * generator's own health series come from the engine's run-record part.
 */
export interface DrillLoadOptions {
  baseUrl: string;
  rate: number;
  writeFraction: number;
  /** Marker put in every post body so reconciliation finds this run's writes. */
  runId: string;
  /** Name of the drill (samples and engine series are labelled drill:<name>). */
  name?: string;
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
  readonly acknowledged: Map<string, AckedWrite>;
  readonly attempts: { total: number; retried: number };
  /** Stops starting requests, waits for those in flight, and returns what the engine measured (its summary says whether the measurement is valid). */
  stop(): Promise<{ samples: Sample[]; engine: EngineSample[]; summaries: ScenarioSummary[]; notes: string[] }>;
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
 * `count` logged-in users: the same accounts every run (drill-user-N),
 * registered first (409 when they exist) and then logged in: two anonymous
 * requests per user and no failed login, so setting up users stays within the
 * per-IP limits (100 requests and 50 failed logins a minute by default).
 */
async function setupUsers(agent: Agent, baseUrl: string, count: number): Promise<Session[]> {
  const sessions = (sessionCache.get(baseUrl) ?? []).filter((s) => Date.now() - s.at < SESSION_MAX_AGE_MS);
  const missing = Array.from({ length: Math.max(0, count - sessions.length) }, (_, i) => sessions.length + i);
  const one = async (i: number): Promise<Session> => {
    const email = `drill-user-${i}@example.test`;
    const reg = await postJson(agent, `${baseUrl}/v1/auth/register`, { email, password: PASSWORD, handle: `drilluser${i}` });
    if (reg.status !== 201 && reg.status !== 409) throw new Error(`registering a drill user answered ${reg.status}`);
    const login = await postJson(agent, `${baseUrl}/v1/auth/login`, { email, password: PASSWORD });
    const token = (login.payload as { accessToken?: string } | undefined)?.accessToken;
    if (login.status !== 200 || !token) throw new Error(`logging a drill user in answered ${login.status}`);
    return { token, at: Date.now() };
  };
  // A few at a time: each registration and login is a deliberately slow password hash on the target.
  for (let i = 0; i < missing.length; i += 4) {
    sessions.push(...(await Promise.all(missing.slice(i, i + 4).map(one))));
    sessionCache.set(baseUrl, sessions);
  }
  return sessions.slice(0, count);
}

const WRITE = 'POST /v1/posts';
const FEED = 'GET /v1/feed';
const TRENDING = 'GET /v1/trending';

/** The request tags of the drill load's samples that are reads and writes (DrillResult.tags). */
export const drillTags = { read: [FEED, TRENDING], write: [WRITE] } as const;

/** 2xx-4xx count as answered (a 429 is the target working); 5xx and no answer as failed, as the drill checks count them. */
const ANSWERED = Array.from({ length: 300 }, (_, i) => 200 + i);

/**
 * Arrivals take the users in turn. Every user writes; the feed is read by the
 * even-numbered users and trending by the odd ones, the load shape the drills'
 * expectations were set with (each read flow's cache working set is half the
 * users: a feed cache miss under a slow database costs PostgreSQL round trips
 * the writes then queue behind).
 */
function drillUsers(sessions: Session[]): Array<Record<string, unknown>> {
  return sessions.map((s, i) => {
    const even = i - (i % 2);
    return { accessToken: s.token, feedToken: sessions[even]!.token, trendingToken: sessions[Math.min(even + 1, sessions.length - 1)]!.token };
  });
}

export function drillScenario(options: DrillLoadOptions): Scenario {
  const timeoutMs = options.requestTimeoutMs ?? 5000;
  const maxVUs = options.maxInFlight ?? 256;
  const auth = { authorization: 'Bearer {{user.accessToken}}' };
  const read = (flow: string, name: string, path: string, weight: number, token: string) => ({
    name: flow, weight,
    steps: [{ name, path, headers: { authorization: `Bearer {{user.${token}}}` }, expectStatus: ANSWERED, retry: { attempts: 2, on: ['network' as const, 'timeout' as const] } }],
  });
  const key = `${options.runId}-{{iter}}`;
  return parseScenario({
    name: `drill-${options.name ?? options.runId}`,
    executor: 'constant-arrival-rate',
    rate: options.rate,
    // Ended by stop(); the duration only bounds a drill that is never stopped.
    duration: '1h',
    maxVUs,
    connections: 64, // as many as the drills' previous generator kept
    requestTimeout: `${timeoutMs}ms`,
    maxLateness: '2s',
    thresholdWindows: [],
    flows: [
      {
        name: 'write', weight: options.writeFraction,
        steps: [{
          name: WRITE, method: 'POST', path: '/v1/posts', headers: { ...auth, 'idempotency-key': key },
          body: { body: `drill ${options.runId} ${key}` }, expectStatus: ANSWERED,
          retry: { attempts: 3, on: ['network', 'timeout', 502, 503], backoffMs: 200 },
        }],
      },
      read('feed', FEED, '/v1/feed?limit=20', (1 - options.writeFraction) / 2, 'feedToken'),
      read('trending', TRENDING, '/v1/trending', (1 - options.writeFraction) / 2, 'trendingToken'),
    ].filter((f) => f.weight > 0),
  });
}

export async function startDrillLoad(options: DrillLoadOptions): Promise<DrillLoad> {
  const timeoutMs = options.requestTimeoutMs ?? 5000;
  const agent = new Agent({ connections: 16, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  // Enough users that each stays well under a 100 requests/minute per-user limit (60/min each, room for retries).
  const users = options.users ?? Math.max(10, Math.ceil((options.rate * 60) / 60));
  let sessions: Session[];
  try {
    sessions = await setupUsers(agent, options.baseUrl, users);
  } finally {
    await agent.close();
  }
  const observations: Observation[] = [];
  const acknowledged = new Map<string, AckedWrite>();
  const attempts = { total: 0, retried: 0 };
  const stopping = new AbortController();

  const onResponse = (info: ResponseInfo) => {
    attempts.total += info.attempts;
    attempts.retried += info.attempts - 1;
    const status = info.status ?? 0;
    const isWrite = info.tag === WRITE;
    observations.push({
      ts: performance.timeOrigin + performance.now() - info.latencyMs, tag: isWrite ? 'write' : 'read', name: info.tag, status,
      latencyMs: info.latencyMs, timedOut: info.errorKind === 'timeout', retryAfter: info.headers['retry-after'] !== undefined, attempts: info.attempts,
    });
    if (isWrite && status >= 200 && status < 300) {
      const key = info.requestHeaders['idempotency-key'] ?? '';
      const body = (info.requestBody as { body?: string } | undefined)?.body ?? '';
      acknowledged.set(key, { key, id: (info.body as { id?: string } | undefined)?.id ?? null, body });
    }
  };
  // An arrival the generator could not send in time counts against the target as a hang, as before.
  const onDropped = (ts: number) => {
    if (!stopping.signal.aborted) observations.push({ ts, tag: 'other', name: 'dropped', status: 0, latencyMs: 0, timedOut: true, retryAfter: false, attempts: 0 });
  };
  const running = runScenario(drillScenario(options), {
    baseUrl: options.baseUrl, stop: stopping.signal, users: drillUsers(sessions), onResponse, onDropped,
  });
  running.catch(() => undefined); // reported by stop()

  return {
    observations,
    acknowledged,
    attempts,
    async stop() {
      stopping.abort();
      try {
        const { part, summary } = await running;
        const notes = summary.valid ? [] : [`the drill load's measurement is INVALID: ${summary.invalidReasons.join('; ')}`];
        return { samples: part.samples ?? [], engine: part.engine ?? [], summaries: [summary], notes };
      } catch (err) {
        return { samples: [], engine: [], summaries: [], notes: [`the drill load stopped with an error: ${(err as Error).message}`] };
      }
    },
  };
}
