import type { RequestTimings, Sender } from '../http/dispatch.ts';
import type { CompiledFlow, CompiledStep } from './compile.ts';
import {
  applyCaptures,
  renderStep,
  runChecks,
  sendRendered,
  type ErrorKind,
  type RenderedRequest,
  type StepResponse,
} from './run-step.ts';
import { getPath, TemplateValueMissingError, type TemplateContext } from '../template.ts';
import type { Outcome } from '../metrics/stats.ts';
import { followRedirect, keepCookies, withCookies, type VuState } from './redirects-cookies.ts';

/** What a drill receives for every response (e.g. to collect acknowledged writes). */
export interface ResponseInfo {
  scenario: string;
  tag: string;
  method: string;
  path: string;
  status: number | null;
  ok: boolean;
  /** Response headers, lower-case names ({} when there was no response). */
  headers: Record<string, string | string[] | undefined>;
  /** Why there was no response: 'timeout' (no answer within requestTimeout), 'refused', 'reset', 'other'; null when answered. */
  errorKind: ErrorKind | null;
  /** Attempts sent for this request (more than 1 when the step's retry re-sent it); status is the last one's. */
  attempts: number;
  body?: unknown;
  requestHeaders: Record<string, string>;
  requestBody?: unknown;
  /** k6's group path ("::checkout") when the step is inside a group. */
  group?: string;
  /** Redirects followed before this answer (its path is the last hop's). */
  redirects?: number;
  /** True when the request went out in a batch (k6's http.batch). */
  batch?: boolean;
  /** Epoch ms when the (first attempt of the) request was sent. */
  startedAt: number;
  latencyMs: number;
}
export type OnResponse = (info: ResponseInfo) => void;

export interface IterationEnv {
  scenario: string;
  sender: Sender;
  /** The target's origin: redirects are followed on it, cookies kept for it. */
  origin?: string | undefined;
  /** Redirects followed at most (k6's maxRedirects); 0 or absent: none. */
  maxRedirects?: number | undefined;
  /** Keep a cookie jar per VU (k6's default). */
  cookies?: boolean | undefined;
  /** The scenario's own metrics and their kinds (steps' `add`). */
  ownMetrics?: Readonly<Record<string, 'trend' | 'counter' | 'rate' | 'gauge'>> | undefined;
  /** More connections of the same VU, for a batch's parallel requests (lane 1, 2, …); without it a batch goes out one by one. */
  laneSender?: ((lane: number) => Sender) | undefined;
  /** Aborted when the scenario stops starting requests (end of duration, interrupt). */
  signal: AbortSignal;
  /** Aborted when in-flight requests must be cancelled (interrupt, abortOnFail). */
  requestSignal: AbortSignal;
  record(o: Outcome, epochMs: number): void;
  /** k6's timing breakdown of an answered request (http_req_blocked … http_req_receiving), by its tag and group. */
  recordTimings?: ((tag: string, group: string | null, timings: RequestTimings) => void) | undefined;
  /** A point of a metric that is not a request (group_duration in ms, tagged with its group). */
  recordPoint?:
    | ((
        metric: string,
        type: 'trend' | 'counter' | 'rate' | 'gauge',
        value: number,
        epochMs: number,
        tags: Record<string, string>,
      ) => void)
    | undefined;
  onResponse?: OnResponse | undefined;
  /** Think time between requests (closed model); resolves early when the signal aborts. */
  think?: (() => Promise<void>) | undefined;
  /**
   * Called when a step could not be rendered: a template names a value nothing captured. `unsent` is true when
   * it was the iteration's first request (or of its first batch): the iteration sent nothing.
   */
  onTemplateError?: ((tag: string, message: string, unsent: boolean) => void) | undefined;
  /** Called once per failed check name (for the end-of-run report). */
  onCheckFailed?: ((tag: string, name: string) => void) | undefined;
}

// timeOrigin is fixed for the process; its getter is not free on the per-request path.
const TIME_ORIGIN = performance.timeOrigin;
const epochOf = (perfMs: number) => TIME_ORIGIN + perfMs;

/** Whether the step's retry policy re-sends after this response (its status, or no answer: network or timeout). */
export function retriable(step: CompiledStep, res: StepResponse): boolean {
  const on = step.retry?.on;
  if (!on) return false;
  if (res.status !== null) return on.includes(res.status);
  return on.includes(res.errorKind === 'timeout' ? 'timeout' : 'network');
}

/**
 * Sends a step, re-sending the same rendered request while its retry policy
 * says so; no new attempt once the scenario stops or is cancelled.
 */
async function sendWithRetry(
  env: IterationEnv,
  sender: Sender,
  step: CompiledStep,
  req: RenderedRequest,
  readJson: boolean,
  sent: { attempts: number },
): Promise<StepResponse> {
  const max = step.retry?.attempts ?? 1;
  for (let attempt = 1; ; attempt++) {
    const res = await sendRendered(sender, step, req, readJson);
    sent.attempts = attempt;
    if (attempt >= max || !retriable(step, res) || env.signal.aborted || env.requestSignal.aborted) return res;
    const wait = (step.retry?.backoffMs ?? 0) * 2 ** (attempt - 1);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

/** Lanes a batch goes out on at most (k6's default batchPerHost: every request of a batch goes to the one target). */
export const BATCH_PER_HOST = 6;

interface IterationState {
  /** No request of the iteration was measured yet (the first is measured from the intended start in the open model). */
  first: boolean;
  intendedStart: number | null;
  late: boolean;
  /** What the VU keeps across iterations (its cookie jar); null when nothing is kept. */
  vu: VuState | null;
}

/** Renders a step; a template naming a value nothing captured is recorded as an unsent request of its own kind, and null returned. */
function render(
  step: CompiledStep,
  ctx: TemplateContext,
  env: IterationEnv,
  st: IterationState,
): RenderedRequest | null {
  try {
    return renderStep(step, ctx);
  } catch (err) {
    if (!(err instanceof TemplateValueMissingError)) throw err;
    // A value this step needs was never captured (a typo in the template, or an earlier step failed):
    // the request cannot be sent, and that is an error of its own kind, counted and named, never a silent stop.
    env.record(
      {
        tag: step.tag,
        latencyMs: 0,
        status: null,
        errorKind: 'template',
        failed: true,
        checksPassed: 0,
        checksFailed: step.checks.length,
        late: false,
        group: step.group,
      },
      Date.now(),
    );
    env.onTemplateError?.(step.tag, err.message, st.first);
    return null;
  }
}

/**
 * Sends one rendered request on `sender` and takes in its answer: measured, recorded, checked, handed to
 * onResponse, captured from. Returns false when it was cancelled (the iteration ends there).
 */
async function exchange(
  step: CompiledStep,
  req: RenderedRequest,
  ctx: TemplateContext,
  env: IterationEnv,
  sender: Sender,
  st: IterationState,
  batched: boolean,
): Promise<boolean> {
  const sentAt = performance.now();
  const readJson = step.needsJson || env.onResponse !== undefined;
  // Without a retry policy (the common case) one promise per request: no retry loop around the send.
  let res: StepResponse;
  let attempts = 1;
  let redirects = 0;
  const jar = env.cookies && env.origin !== undefined ? st.vu : null;
  for (let hop = req; ;) {
    const sending = jar ? withCookies(hop, jar, env.origin as string) : hop;
    if (step.retry) {
      const sent = { attempts: 1 };
      res = await sendWithRetry(env, sender, step, sending, readJson, sent);
      attempts = sent.attempts;
    } else {
      res = await sendRendered(sender, step, sending, readJson);
    }
    if (jar && res.status !== null) keepCookies(res, sending.path, jar, env.origin as string);
    // k6 follows redirects (maxRedirects, 10 by default): the hops are one request here, measured over all of them.
    const next =
      redirects < (env.maxRedirects ?? 0) && env.origin !== undefined
        ? followRedirect(res, hop, step.method, env.origin)
        : null;
    if (next === null || env.requestSignal.aborted) break;
    redirects += 1;
    hop = next;
  }
  const end = performance.now();
  if (env.requestSignal.aborted && res.status === null) return false;
  const from = st.first && st.intendedStart !== null ? Math.min(st.intendedStart, sentAt) : sentAt;
  const latencyMs = end - from;
  const ok = res.status !== null && step.expect(res.status);
  let passed = 0;
  let failed = 0;
  if (step.checks.length > 0) {
    let failedNames: string[];
    [passed, failed, failedNames] = runChecks(step, res, ctx);
    if (env.onCheckFailed) for (const n of failedNames) env.onCheckFailed(step.tag, n);
  }
  if (res.timings && env.recordTimings) env.recordTimings(step.tag, step.group, res.timings);
  const retryAfter503 = res.status === 503 && res.headers['retry-after'] !== undefined;
  env.record(
    {
      tag: step.tag,
      latencyMs,
      status: res.status,
      errorKind: res.errorKind,
      retryAfter503,
      failed: !ok,
      checksPassed: passed,
      checksFailed: failed,
      late: st.first && st.late,
      group: step.group,
    },
    epochOf(end),
  );
  if (env.onResponse) {
    const info: ResponseInfo = {
      scenario: env.scenario,
      tag: step.tag,
      method: step.method,
      path: res.path,
      status: res.status,
      ok,
      headers: res.headers,
      errorKind: res.errorKind,
      attempts,
      requestHeaders: res.requestHeaders,
      startedAt: epochOf(sentAt),
      latencyMs,
    };
    if (step.group !== null) info.group = step.group;
    if (redirects > 0) info.redirects = redirects;
    if (batched) info.batch = true;
    if (res.json !== undefined) info.body = res.json;
    if (res.requestBody !== undefined) info.requestBody = res.requestBody;
    env.onResponse(info);
  }
  if (step.captures.length > 0) applyCaptures(step, res, ctx);
  if (step.adds.length > 0) addPoints(step, res.status, latencyMs, ctx, env, epochOf(end));
  return true;
}

/** k6's myTrend.add(…): each of the step's points for the scenario's own metrics; a captured value that is not a number adds none. */
function addPoints(
  step: CompiledStep,
  status: number | null,
  latencyMs: number,
  ctx: TemplateContext,
  env: IterationEnv,
  at: number,
): void {
  for (const [metric, source] of step.adds) {
    const type = env.ownMetrics?.[metric];
    if (!type || !env.recordPoint) continue;
    let value: number;
    if (source === 'duration') value = latencyMs;
    else if (source === 'status') value = status ?? 0;
    else if (typeof source === 'number') value = source;
    else if ('statusIn' in source) value = status !== null && source.statusIn.includes(status) ? 1 : 0;
    else {
      const v = getPath(ctx, source.capture);
      value =
        typeof v === 'boolean'
          ? Number(v)
          : typeof v === 'number'
            ? v
            : typeof v === 'string' && v.trim() !== ''
              ? Number(v)
              : Number.NaN;
      if (Number.isNaN(value)) continue;
    }
    env.recordPoint(metric, type, value, at, step.group !== null ? { group: step.group } : {});
  }
}

/**
 * k6's http.batch: the batch's requests (each step's repeats included) are rendered, then sent together on
 * up to BATCH_PER_HOST connections of the VU; the iteration goes on when all are answered.
 */
async function runBatch(
  steps: CompiledStep[],
  ctx: TemplateContext,
  env: IterationEnv,
  st: IterationState,
): Promise<boolean> {
  const queue: Array<{ step: CompiledStep; req: RenderedRequest }> = [];
  for (const step of steps) {
    for (let rep = 0; rep < step.repeat; rep++) {
      ctx.rep = rep;
      const req = render(step, ctx, env, st);
      if (!req) return false;
      queue.push({ step, req });
    }
  }
  const lanes = env.laneSender ? Math.min(BATCH_PER_HOST, queue.length) : 1;
  // The requests that go out at once were due at the iteration's start (a late iteration's delay is theirs, and
  // its lateness is counted once, on the first); one that waited for a lane of its own batch is measured from its send.
  const due = st.first ? lanes : 0;
  const asDue: IterationState = { ...st, late: false };
  const asQueued: IterationState = { ...st, first: false };
  let next = 0;
  let cancelled = false;
  const lane = async (k: number) => {
    const sender = k === 0 || !env.laneSender ? env.sender : env.laneSender(k);
    while (next < queue.length && !cancelled) {
      const i = next++;
      const { step, req } = queue[i] as { step: CompiledStep; req: RenderedRequest };
      const state = i === 0 ? st : i < due ? asDue : asQueued;
      if (!(await exchange(step, req, ctx, env, sender, state, true))) cancelled = true;
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, k) => lane(k)));
  return !cancelled;
}

/**
 * Runs one iteration of a flow. `intendedStart` (performance.now() ms) is set in
 * the open model: the first request's latency is measured from it, so time spent
 * waiting for a VU/connection or behind a stalled server is counted.
 */
export async function runIteration(
  flow: CompiledFlow,
  ctx: TemplateContext,
  env: IterationEnv,
  intendedStart: number | null,
  late: boolean,
  vu: VuState | null = null,
): Promise<void> {
  const st: IterationState = { first: true, intendedStart, late, vu };
  const steps = flow.steps;
  const groups = new GroupClock(env);
  for (let i = 0; i < steps.length;) {
    const step = steps[i] as CompiledStep;
    if (env.signal.aborted) return;
    groups.enter(step.group ?? '');
    if (step.batch !== null) {
      let j = i + 1;
      while (j < steps.length && (steps[j] as CompiledStep).batch === step.batch) j++;
      if (!(await runBatch(steps.slice(i, j), ctx, env, st))) return;
      st.first = false;
      i = j;
      if (env.think) await env.think();
      continue;
    }
    for (let rep = 0; rep < step.repeat; rep++) {
      if (env.signal.aborted) return;
      ctx.rep = rep;
      const req = render(step, ctx, env, st);
      if (!req) return;
      if (!(await exchange(step, req, ctx, env, env.sender, st, false))) return;
      st.first = false;
      if (env.think) await env.think();
    }
    i += 1;
  }
  groups.enter('');
}

/**
 * k6's group_duration: the time from a group's first step to the end of its last, one point per pass,
 * tagged with the group's path; nested groups each have their own. A pass cut short (a cancelled request, a
 * template error, the end of the load) writes none, as a k6 group left by an exception.
 */
class GroupClock {
  private open: Array<{ path: string; start: number }> = [];

  constructor(private readonly env: IterationEnv) {}

  /** Closes the groups `path` is not inside, and opens those of its path not open yet. */
  enter(path: string): void {
    if (!this.env.recordPoint || (this.open.length === 0 && path === '')) return;
    while (this.open.length > 0) {
      const top = this.open[this.open.length - 1] as { path: string; start: number };
      if (path === top.path || path.startsWith(`${top.path}::`)) break;
      this.open.pop();
      const now = performance.now();
      this.env.recordPoint('group_duration', 'trend', now - top.start, epochOf(now), { group: top.path });
    }
    const from = this.open.length > 0 ? (this.open[this.open.length - 1] as { path: string }).path : '';
    if (path === from) return;
    let at = from;
    for (const part of path.slice(from.length + 2).split('::')) {
      at = `${at}::${part}`;
      this.open.push({ path: at, start: performance.now() });
    }
  }
}
