/**
 * The part of an exported k6 script that does not depend on the suite: a small interpreter that runs
 * the suite's flows (carried as data above it: FLOWS, SETUPS, ROWS, THINK, TIMEOUT, COOKIES) with the same
 * templates, checks, captures and retries as rampart's engine. TypeScript for k6, typed with @types/k6.
 */
export const K6_RUNTIME = String.raw`
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Ctx = Record<string, unknown>;
interface CheckDef { type: 'status' | 'json' | 'header'; name?: string; equals?: Json; matches?: string; exists?: boolean; path?: string; header?: string }
interface RetryDef { attempts: number; on: Array<number | string>; backoffMs: number }
type AddDef = string | number | { statusIn?: number[]; capture?: string };
interface StepDef { name?: string; batch?: number; group?: string; add?: Record<string, AddDef>; method: string; path: string; headers: Record<string, string>; body?: Json; bodyText?: string; expectStatus?: number[]; checks: CheckDef[]; captures: Record<string, { json?: string; header?: string }>; repeat: number; retry?: RetryDef }
interface FlowDef { name: string; weight: number; steps: StepDef[] }
interface SetupDef { count: number; concurrency: number; steps: StepDef[] }
interface SetupData { runId: string; users: Record<string, Ctx[]> }

function uuid(): string {
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
    const r = Math.floor(Math.random() * 16);
    return (c === 'x' ? r : (r % 4) + 8).toString(16);
  });
}

function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.replace(/\[(\d+)\]/g, '.$1').split('.').filter((x) => x.length > 0)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function lookup(expr: string, ctx: Ctx): unknown {
  if (expr === 'uuid' && !('uuid' in ctx)) return uuid();
  if (expr === 'now' && !('now' in ctx)) return Date.now();
  if (expr === 'rand' && !('rand' in ctx)) return Math.floor(Math.random() * 2147483648);
  return getPath(ctx, expr);
}

function render(v: unknown, ctx: Ctx): unknown {
  if (typeof v === 'string') {
    const only = /^\{\{\s*([^}]+?)\s*\}\}$/.exec(v);
    if (only) return lookup(only[1], ctx);
    return v.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (_m: string, e: string) => String(lookup(e, ctx)));
  }
  if (Array.isArray(v)) return v.map((x) => render(x, ctx));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = render(x, ctx);
    return out;
  }
  return v;
}

function matchValue(c: CheckDef, value: unknown, ctx: Ctx): boolean {
  const present = value !== undefined && value !== null;
  if (c.exists !== undefined && c.exists !== present) return false;
  if (c.equals !== undefined) {
    const expected = render(c.equals, ctx);
    if (typeof value === 'string' ? value !== String(expected) : value !== expected) return false;
  }
  if (c.matches !== undefined && !(present && new RegExp(String(render(c.matches, ctx))).test(String(value)))) return false;
  return c.exists !== undefined || c.equals !== undefined || c.matches !== undefined || present;
}

/** k6's request-timeout error code; other responses without a status are network errors. */
const K6_TIMEOUT = 1050;

/** Sends the rendered request, again while the step's retry asks for it (each attempt is a request in k6's metrics). */
function send(step: StepDef, url: string, body: string | null, params: Record<string, unknown>) {
  const retry = step.retry;
  let res = http.request(step.method, url, body, params);
  for (let attempt = 1; retry && attempt < retry.attempts; attempt++) {
    const kind = res.status === 0 ? (res.error_code === K6_TIMEOUT ? 'timeout' : 'network') : res.status;
    if (!retry.on.includes(kind)) break;
    if (retry.backoffMs > 0) sleep((retry.backoffMs * 2 ** (attempt - 1)) / 1000);
    res = http.request(step.method, url, body, params);
  }
  return res;
}

interface Prepared { method: string; url: string; body: string | null; params: Record<string, unknown> }

/** A step rendered into what http.request (or one entry of http.batch) takes. */
function prepare(scenario: string, step: StepDef, ctx: Ctx): Prepared {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(step.headers)) headers[k] = String(render(v, ctx));
  let body: string | null = null;
  if (step.body !== undefined) {
    body = JSON.stringify(render(step.body, ctx));
    headers['content-type'] = headers['content-type'] || 'application/json';
  } else if (step.bodyText !== undefined) {
    body = String(render(step.bodyText, ctx));
  }
  const expected = step.expectStatus;
  return {
    method: step.method, url: BASE_URL + String(render(step.path, ctx)), body,
    params: {
      headers,
      tags: { name: step.name || step.method + ' ' + step.path },
      timeout: TIMEOUT[scenario],
      // cookies: vu is k6's own jar per VU; none: an empty jar per request sends none.
      ...(COOKIES[scenario] ? {} : { jar: new http.CookieJar() }),
      responseCallback: expected ? http.expectedStatuses(...expected) : http.expectedStatuses({ min: 200, max: 399 }),
    },
  };
}

/** Sends one step; returns false when the flow cannot go on. Captures named user.x go to the VU's user, as in rampart. */
function runStep(scenario: string, step: StepDef, ctx: Ctx, into: Ctx): boolean {
  const p = prepare(scenario, step, ctx);
  return take(step, send(step, p.url, p.body, p.params), ctx, into);
}

/** k6's http.batch: the steps (each repeat once) go out together; checks and captures as each answered. */
function runBatch(scenario: string, steps: StepDef[], ctx: Ctx): boolean {
  const list: Array<{ step: StepDef; p: Prepared }> = [];
  for (const step of steps) {
    for (let rep = 0; rep < step.repeat; rep++) {
      ctx.rep = rep;
      list.push({ step, p: prepare(scenario, step, ctx) });
    }
  }
  const responses = http.batch(list.map(({ p }) => ({ method: p.method, url: p.url, body: p.body, params: p.params })));
  let ok = true;
  list.forEach(({ step }, i) => {
    ok = take(step, responses[i], ctx, ctx) && ok;
  });
  return ok;
}

/** Checks and captures of one answered step; false when it got no answer. */
function take(step: StepDef, res: Response, ctx: Ctx, into: Ctx): boolean {
  const tag = step.name || step.method + ' ' + step.path;
  let json: unknown;
  try {
    json = typeof res.body === 'string' && res.body.length > 0 ? JSON.parse(res.body) : undefined;
  } catch {
    json = undefined;
  }
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) lower[k.toLowerCase()] = v;
  const sets: Record<string, () => boolean> = {};
  step.checks.forEach((c, i) => {
    const name = tag + ': ' + (c.name || c.type + ' ' + (c.path || c.header || '') + ' #' + i);
    sets[name] = () => c.type === 'status'
      ? (Array.isArray(c.equals) ? (c.equals as Json[]).includes(res.status) : c.equals === res.status)
      : matchValue(c, c.type === 'json' ? getPath(json, c.path || '') : lower[(c.header || '').toLowerCase()], ctx);
  });
  if (step.checks.length > 0) check(res, Object.fromEntries(Object.entries(sets).map(([n, f]) => [n, () => f()])));
  for (const [name, cap] of Object.entries(step.captures)) {
    const v = cap.json !== undefined ? getPath(json, cap.json) : lower[(cap.header || '').toLowerCase()];
    if (v === undefined) continue;
    const user = into.user;
    if (name.startsWith('user.') && typeof user === 'object' && user !== null) (user as Ctx)[name.slice(5)] = v;
    else into[name] = v;
  }
  for (const [metric, src] of Object.entries(step.add || {})) {
    const m = OWN[metric];
    if (!m) continue;
    let v: number;
    if (src === 'duration') v = res.timings.duration;
    else if (src === 'status') v = res.status;
    else if (typeof src === 'number') v = src;
    else if (typeof src === 'object' && src.statusIn) v = src.statusIn.includes(res.status) ? 1 : 0;
    else {
      const c = getPath(ctx, typeof src === 'object' && src.capture ? src.capture : '');
      v = typeof c === 'boolean' ? Number(c) : typeof c === 'number' ? c : typeof c === 'string' && c.trim() !== '' ? Number(c) : NaN;
      if (isNaN(v)) continue;
    }
    m.add(v);
  }
  return res.status !== 0;
}

function think(scenario: string): void {
  const t = THINK[scenario];
  if (!t) return;
  let s = t.a;
  if (t.type === 'uniform') s = t.a + Math.random() * (t.b - t.a);
  else if (t.type === 'normal') s = Math.max(0, t.a + t.b * Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random()));
  else if (t.type === 'exponential') s = -t.a * Math.log(1 - Math.random());
  sleep(s);
}

export function setup(): SetupData {
  const runId = uuid().slice(0, 8);
  const users: Record<string, Ctx[]> = {};
  for (const [scenario, def] of Object.entries(SETUPS)) {
    users[scenario] = [];
    if (!def) continue;
    for (let i = 0; i < def.count; i++) {
      const user: Ctx = { index: i };
      const ctx: Ctx = { i, runId, user, vu: 0, iter: 0, env: __ENV };
      for (const step of def.steps) {
        for (let rep = 0; rep < step.repeat; rep++) {
          ctx.rep = rep;
          runStep(scenario, step, ctx, user);
          Object.assign(ctx, user);
        }
      }
      users[scenario].push(user);
    }
  }
  return { runId, users };
}

function pickFlow(flows: FlowDef[]): FlowDef {
  const total = flows.reduce((a, f) => a + f.weight, 0);
  let r = Math.random() * total;
  for (const f of flows) {
    r -= f.weight;
    if (r < 0) return f;
  }
  return flows[flows.length - 1];
}

/** This VU's own copy of its user: captures (a rotated token) live on across its iterations, as in rampart. */
const mine: Record<string, Ctx> = {};

function runScenario(scenario: string, data: SetupData): void {
  const fromSetup = data.users[scenario] || [];
  const rows = ROWS[scenario] || [];
  const vu = exec.vu.idInTest - 1;
  const count = fromSetup.length > 0 ? fromSetup.length : rows.length;
  if (count > 0 && !mine[scenario]) mine[scenario] = Object.assign({}, fromSetup.length > 0 ? fromSetup[vu % count] : rows[vu % count]);
  const ctx: Ctx = { vu, iter: exec.scenario.iterationInTest, runId: data.runId, users: fromSetup.length > 0 ? fromSetup : rows, user: mine[scenario], env: __ENV };
  const flow = pickFlow(FLOWS[scenario]);
  runSteps(scenario, flow.steps, 0, '', ctx);
}

/**
 * Runs steps from i while they are inside the group path \`path\` (k6's group(), nested as "::a::b"); a
 * batch's consecutive steps go out with http.batch. Returns the index after them, or -1 when the flow
 * cannot go on.
 */
function runSteps(scenario: string, steps: StepDef[], from: number, path: string, ctx: Ctx): number {
  let i = from;
  while (i < steps.length) {
    const step = steps[i];
    const g = step.group || '';
    if (g !== path && !g.startsWith(path + '::')) return i;
    if (g !== path) {
      const name = g.slice(path.length + 2).split('::')[0];
      let next = -1;
      group(name, () => {
        next = runSteps(scenario, steps, i, path + '::' + name, ctx);
      });
      if (next < 0) return -1;
      i = next;
      continue;
    }
    if (step.batch !== undefined) {
      let j = i + 1;
      while (j < steps.length && steps[j].batch === step.batch) j++;
      if (!runBatch(scenario, steps.slice(i, j), ctx)) return -1;
      think(scenario);
      i = j;
      continue;
    }
    for (let rep = 0; rep < step.repeat; rep++) {
      ctx.rep = rep;
      if (!runStep(scenario, step, ctx, ctx)) return -1;
      think(scenario);
    }
    i += 1;
  }
  return i;
}
`;
