import type { Sender } from '../http/dispatch.ts';
import type { CompiledFlow, CompiledStep } from './compile.ts';
import { applyCaptures, renderStep, runChecks, sendRendered, type ErrorKind, type RenderedRequest, type StepResponse } from './run-step.ts';
import { TemplateValueMissingError, type TemplateContext } from '../template.ts';
import type { Outcome } from '../metrics/stats.ts';

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
  /** Epoch ms when the (first attempt of the) request was sent. */
  startedAt: number;
  latencyMs: number;
}
export type OnResponse = (info: ResponseInfo) => void;

export interface IterationEnv {
  scenario: string;
  sender: Sender;
  /** Aborted when the scenario stops starting requests (end of duration, interrupt). */
  signal: AbortSignal;
  /** Aborted when in-flight requests must be cancelled (interrupt, abortOnFail). */
  requestSignal: AbortSignal;
  record(o: Outcome, epochMs: number): void;
  onResponse?: OnResponse | undefined;
  /** Think time between requests (closed model); resolves early when the signal aborts. */
  think?: (() => Promise<void>) | undefined;
  /** Called when a step could not be rendered: a template names a value nothing captured. */
  onTemplateError?: ((tag: string, message: string) => void) | undefined;
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
async function sendWithRetry(env: IterationEnv, step: CompiledStep, req: RenderedRequest, readJson: boolean, sent: { attempts: number }): Promise<StepResponse> {
  const max = step.retry?.attempts ?? 1;
  for (let attempt = 1; ; attempt++) {
    const res = await sendRendered(env.sender, step, req, readJson);
    sent.attempts = attempt;
    if (attempt >= max || !retriable(step, res) || env.signal.aborted || env.requestSignal.aborted) return res;
    const wait = (step.retry?.backoffMs ?? 0) * 2 ** (attempt - 1);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

/**
 * Runs one iteration of a flow. `intendedStart` (performance.now() ms) is set in
 * the open model: the first request's latency is measured from it, so time spent
 * waiting for a VU/connection or behind a stalled server is counted.
 */
export async function runIteration(flow: CompiledFlow, ctx: TemplateContext, env: IterationEnv, intendedStart: number | null, late: boolean): Promise<void> {
  let first = true;
  for (const step of flow.steps) {
    for (let rep = 0; rep < step.repeat; rep++) {
      if (env.signal.aborted) return;
      ctx.rep = rep;
      const sentAt = performance.now();
      let req: RenderedRequest;
      try {
        req = renderStep(step, ctx);
      } catch (err) {
        if (!(err instanceof TemplateValueMissingError)) throw err;
        // A value this step needs was never captured (a typo in the template, or an earlier step failed):
        // the request cannot be sent, and that is an error of its own kind, counted and named, never a silent stop.
        env.record({ tag: step.tag, latencyMs: 0, status: null, errorKind: 'template', failed: true, checksPassed: 0, checksFailed: step.checks.length, late: false }, Date.now());
        env.onTemplateError?.(step.tag, err.message);
        return;
      }
      const readJson = step.needsJson || env.onResponse !== undefined;
      // Without a retry policy (the common case) one promise per request: no retry loop around the send.
      let res: StepResponse;
      let attempts = 1;
      if (step.retry) {
        const sent = { attempts: 1 };
        res = await sendWithRetry(env, step, req, readJson, sent);
        attempts = sent.attempts;
      } else {
        res = await sendRendered(env.sender, step, req, readJson);
      }
      const end = performance.now();
      if (env.requestSignal.aborted && res.status === null) return;
      const from = first && intendedStart !== null ? Math.min(intendedStart, sentAt) : sentAt;
      const latencyMs = end - from;
      const ok = res.status !== null && step.expect(res.status);
      let passed = 0;
      let failed = 0;
      if (step.checks.length > 0) {
        let failedNames: string[];
        [passed, failed, failedNames] = runChecks(step, res, ctx);
        if (env.onCheckFailed) for (const n of failedNames) env.onCheckFailed(step.tag, n);
      }
      const retryAfter503 = res.status === 503 && res.headers['retry-after'] !== undefined;
      env.record({ tag: step.tag, latencyMs, status: res.status, errorKind: res.errorKind, retryAfter503, failed: !ok, checksPassed: passed, checksFailed: failed, late: first && late }, epochOf(end));
      if (env.onResponse) {
        const info: ResponseInfo = {
          scenario: env.scenario, tag: step.tag, method: step.method, path: res.path, status: res.status, ok,
          headers: res.headers, errorKind: res.errorKind, attempts, requestHeaders: res.requestHeaders, startedAt: epochOf(sentAt), latencyMs,
        };
        if (res.json !== undefined) info.body = res.json;
        if (res.requestBody !== undefined) info.requestBody = res.requestBody;
        env.onResponse(info);
      }
      if (step.captures.length > 0) applyCaptures(step, res, ctx);
      first = false;
      if (env.think) await env.think();
    }
  }
}
