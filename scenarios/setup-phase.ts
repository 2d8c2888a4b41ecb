import type { Sender } from './http/dispatch.ts';
import { EnvironmentError } from '../common/index.ts';
import type { Setup, Teardown } from './schema/flow.ts';
import { compileStep } from './flow/compile.ts';
import { retriable } from './flow/iteration.ts';
import { applyCaptures, renderStep, runChecks, sendRendered } from './flow/run-step.ts';
import { TemplateValueMissingError, type TemplateContext } from './template.ts';

export class SetupFailedError extends EnvironmentError<'RAMPART_SETUP_FAILED'> {
  constructor(message: string) {
    super('RAMPART_SETUP_FAILED', message, {
      hint: 'the target refused the setup requests (register/login); check it is the SocialConnect API and not rate-limiting the setup',
    });
  }
}

/**
 * One user's steps in order, each repeated as asked, captures kept on the user. Returns null when every
 * response was as expected, else "<step tag>: why" (the later steps are not sent); a template naming a
 * value the user lacks is such a failure.
 */
async function runUserSteps(
  sender: Sender,
  steps: ReturnType<typeof compileStep>[],
  ctx: TemplateContext,
  user: Record<string, unknown>,
  signal: AbortSignal,
): Promise<string | null> {
  for (const step of steps) {
    for (let rep = 0; rep < step.repeat; rep++) {
      ctx.rep = rep;
      let req;
      try {
        req = renderStep(step, ctx);
      } catch (err) {
        if (err instanceof TemplateValueMissingError) return `${step.tag}: ${err.message}`;
        throw err;
      }
      // The step's retry policy holds here too (setup is not measured): a 429 waits as its Retry-After says (up to a
      // minute), anything else its backoff, doubling.
      let res = await sendRendered(sender, step, req, true);
      for (
        let attempt = 1;
        attempt < (step.retry?.attempts ?? 1) && retriable(step, res) && !signal.aborted;
        attempt++
      ) {
        const told = Number(res.headers['retry-after']);
        const wait = told > 0 && told <= 60 ? told * 1000 : (step.retry?.backoffMs ?? 0) * 2 ** (attempt - 1);
        await new Promise((r) => setTimeout(r, wait));
        res = await sendRendered(sender, step, req, true);
      }
      const [, failed, names] = runChecks(step, res, ctx);
      if (res.status === null || !step.expect(res.status) || failed > 0) {
        return `${step.tag}: ${res.status === null ? (res.error?.message ?? 'no response') : `status ${res.status}${failed > 0 ? `, failed checks: ${names.join('; ')}` : ''}`}`;
      }
      applyCaptures(step, res, user);
      applyCaptures(step, res, ctx);
    }
  }
  return null;
}

/**
 * Like k6's setup(): runs once before the load. For each of `users.count`
 * users it runs the steps (e.g. register then login); what the steps capture
 * becomes that user's data ({{user.accessToken}}).
 */
export async function runSetup(
  setup: Setup | undefined,
  sender: Sender,
  runId: string,
  signal: AbortSignal,
  rows: ReadonlyArray<Record<string, unknown>> = [],
): Promise<Array<Record<string, unknown>>> {
  if (!setup?.users) return [];
  const { count, concurrency, steps } = setup.users;
  const compiled = steps.map(compileStep);
  const users: Array<Record<string, unknown>> = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count && !signal.aborted) {
      const i = next++;
      // A data row (a scenario's `users`) is where setup user i starts: its steps can use {{user.email}}.
      const user: Record<string, unknown> = { ...(rows.length > 0 ? rows[i % rows.length] : {}), index: i };
      const why = await runUserSteps(sender, compiled, { i, runId, user, vu: 0, iter: 0 }, user, signal);
      if (why !== null) throw new SetupFailedError(`setup for user ${i} failed at ${why}`);
      users[i] = user;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return users;
}

export interface TeardownResult {
  users: number;
  /** Users whose steps did not all answer as expected (their later steps were not sent). */
  failed: number;
  /** The first failure, for the run's notes. */
  firstFailure?: string;
}

/**
 * Like k6's teardown(): runs once after the load. For each setup user it runs the steps with what the user
 * holds now (captures made during the load included), e.g. a logout with the latest refresh token. A failure
 * is counted and named, never thrown: the measured load is over and stays as it was.
 */
export async function runTeardown(
  teardown: Teardown | undefined,
  sender: Sender,
  runId: string,
  signal: AbortSignal,
  users: ReadonlyArray<Record<string, unknown>>,
): Promise<TeardownResult> {
  const result: TeardownResult = { users: 0, failed: 0 };
  if (!teardown?.users || users.length === 0) return result;
  const compiled = teardown.users.steps.map(compileStep);
  let next = 0;
  const worker = async () => {
    while (next < users.length && !signal.aborted) {
      const i = next++;
      const user = users[i];
      if (!user) continue;
      result.users += 1;
      let why: string | null;
      try {
        why = await runUserSteps(sender, compiled, { i, runId, user, vu: 0, iter: 0 }, user, signal);
      } catch (err) {
        why = (err as Error).message;
      }
      if (why !== null) {
        result.failed += 1;
        result.firstFailure ??= `user ${i} at ${why}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(teardown.users.concurrency, users.length) }, worker));
  return result;
}
